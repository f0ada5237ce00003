// How a model is named and licensed in the UI. A manifest variant or an official RMBG-1.4 file
// (matched by sha256) has its own name and licence; an imported file that matches none is shown
// by its file name as "not verified as RMBG-1.4", never as RMBG-1.4.
import type { TFunction } from '../../i18n';
import type { ModelVariant } from '../../shared/types';

type Named = Pick<ModelVariant, 'name' | 'licence' | 'imported'>;

export function modelName(v: Named, t: TFunction): string {
  return v.imported && !v.imported.verified
    ? t('engine.importedName', { fileName: v.imported.fileName })
    : v.name;
}

export function modelLicence(v: Named, t: TFunction): string {
  return v.imported && !v.imported.verified ? t('engine.importedLicence') : v.licence;
}
