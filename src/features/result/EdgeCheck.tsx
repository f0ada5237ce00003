// The 100% edge check: the same region of the cut-out, pixel for pixel, over a dark and a light
// background, side by side. The engine picks the region (where the soft edge — hair, fur — is
// densest; see workers/refine/focus.ts). A halo or a hole shows on one background or the other.
import { useI18n } from '../../i18n';

interface Props {
  resultUrl: string;
  width: number;
  height: number;
  /** Centre of the region in result pixels; the image centre when unknown (older results). */
  focus?: { x: number; y: number };
}

const TILE = 256;
const BACKGROUNDS = [
  { key: 'dark', colour: '#111111' },
  { key: 'light', colour: '#f5f5f5' },
] as const;

export function EdgeCheck({ resultUrl, width, height, focus }: Props) {
  const { t } = useI18n();
  const tw = Math.min(TILE, width),
    th = Math.min(TILE, height);
  const cx = focus?.x ?? width / 2,
    cy = focus?.y ?? height / 2;
  const left = Math.round(Math.min(width - tw, Math.max(0, cx - tw / 2)));
  const top = Math.round(Math.min(height - th, Math.max(0, cy - th / 2)));
  return (
    <figure className="edges" data-testid="edge-check" data-x={left} data-y={top}>
      <figcaption className="edges__caption">{t('result.edges')}</figcaption>
      <div className="edges__tiles">
        {BACKGROUNDS.map((b) => (
          <div
            key={b.key}
            className="edges__tile"
            data-testid={`edge-${b.key}`}
            style={{ width: tw, height: th, background: b.colour }}
          >
            <img
              src={resultUrl}
              alt={t(b.key === 'dark' ? 'result.edgesDark' : 'result.edgesLight')}
              width={width}
              height={height}
              draggable={false}
              style={{ width, height, transform: `translate(${-left}px, ${-top}px)` }}
            />
            <span className="edges__label" aria-hidden="true">
              {t(b.key === 'dark' ? 'result.edgesDark' : 'result.edgesLight')}
            </span>
          </div>
        ))}
      </div>
    </figure>
  );
}
