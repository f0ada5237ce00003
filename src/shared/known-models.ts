// The official briaai/RMBG-1.4 ONNX files, known by size and sha256, so that an imported file is
// named as what it is only when its bytes match (issue 14). Anything else keeps its file name and
// is shown as "not verified as RMBG-1.4". The hashes are the Hugging Face LFS objects of
// briaai/RMBG-1.4 onnx/ (revision 2ceba5a5), the same in every independent listing found.
import type { Precision } from './types';

export interface KnownModel {
  /** What the file is, shown as the model's name. */
  name: string;
  /** The file's name in briaai/RMBG-1.4 `onnx/`. */
  file: string;
  bytes: number;
  sha256: string;
  precision: Precision;
}

/** The licence of RMBG-1.4, as models.json names it (scripts/models.mjs). */
export const RMBG_LICENCE = 'bria-rmbg-1.4 (non-commercial use only without an agreement with BRIA)';
export const RMBG_LICENCE_URL = 'https://huggingface.co/briaai/RMBG-1.4';

export const KNOWN_MODELS: readonly KnownModel[] = [
  {
    name: 'RMBG-1.4 (BRIA) fp32',
    file: 'model.onnx',
    bytes: 176_153_355,
    sha256: '8cafcf770b06757c4eaced21b1a88e57fd2b66de01b8045f35f01535ba742e0f',
    precision: 'fp32',
  },
  {
    name: 'RMBG-1.4 (BRIA) fp16',
    file: 'model_fp16.onnx',
    bytes: 88_217_533,
    sha256: '9fdfdb41866d872e0acf4a010c35c1a8547bf0eebe0d1544406bbf1c824cb59d',
    precision: 'fp16',
  },
  {
    name: 'RMBG-1.4 (BRIA) quantized',
    file: 'model_quantized.onnx',
    bytes: 44_403_226,
    sha256: 'a6648479275dfd0ede0f3a8abc20aa5c437b394681b05e5af6d268250aaf40f3',
    precision: 'uint8',
  },
];

/** The official file these bytes are, by size and sha256; undefined for anything else. */
export function knownModel(bytes: number, sha256: string): KnownModel | undefined {
  return KNOWN_MODELS.find((k) => k.bytes === bytes && k.sha256 === sha256);
}
