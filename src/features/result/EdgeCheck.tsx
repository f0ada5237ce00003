// The 100% edge check: the same region of the cut-out, pixel for pixel, over a dark and a light
// background, side by side. The engine picks the region (where the soft edge — hair, fur — is
// densest; see workers/refine/focus.ts). A halo or a hole shows on one background or the other.
// When the engine sent the unrefined cut-out of that region, a toggle shows it in place of the
// refined one, so a person sees what edge refinement bought.
import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../../i18n';
import type { UnrefinedCrop } from '../../shared/types';

interface Props {
  resultUrl: string;
  width: number;
  height: number;
  /** Centre of the region in result pixels; the image centre when unknown (older results). */
  focus?: { x: number; y: number; unrefined?: UnrefinedCrop };
}

const TILE = 256;
const BACKGROUNDS = [
  { key: 'dark', colour: '#111111' },
  { key: 'light', colour: '#f5f5f5' },
] as const;

/** The unrefined window drawn once into a canvas (a copy of at most 256×256 pixels). */
function CropCanvas({ crop, label }: { crop: UnrefinedCrop; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    ctx.putImageData(new ImageData(new Uint8ClampedArray(crop.rgba), crop.width, crop.height), 0, 0);
  }, [crop]);
  return <canvas ref={ref} width={crop.width} height={crop.height} role="img" aria-label={label} />;
}

export function EdgeCheck({ resultUrl, width, height, focus }: Props) {
  const { t } = useI18n();
  const [showUnrefined, setShowUnrefined] = useState(false);
  const crop = focus?.unrefined;
  const tw = crop?.width ?? Math.min(TILE, width),
    th = crop?.height ?? Math.min(TILE, height);
  const cx = focus?.x ?? width / 2,
    cy = focus?.y ?? height / 2;
  const left = crop?.left ?? Math.round(Math.min(width - tw, Math.max(0, cx - tw / 2)));
  const top = crop?.top ?? Math.round(Math.min(height - th, Math.max(0, cy - th / 2)));
  const unrefined = !!crop && showUnrefined;
  return (
    <figure
      className="edges"
      data-testid="edge-check"
      data-x={left}
      data-y={top}
      data-unrefined={unrefined ? 'true' : 'false'}
    >
      <figcaption className="edges__caption">
        {t('result.edges')}
        {crop && (
          <label className="edges__toggle">
            <input
              type="checkbox"
              data-testid="edge-unrefined-toggle"
              checked={showUnrefined}
              onChange={(e) => setShowUnrefined(e.currentTarget.checked)}
            />{' '}
            {t('result.edgesShowUnrefined')}
          </label>
        )}
      </figcaption>
      <div className="edges__tiles">
        {BACKGROUNDS.map((b) => {
          const label = t(b.key === 'dark' ? 'result.edgesDark' : 'result.edgesLight');
          return (
            <div
              key={b.key}
              className="edges__tile"
              data-testid={`edge-${b.key}`}
              style={{ width: tw, height: th, background: b.colour }}
            >
              {unrefined && crop ? (
                <CropCanvas crop={crop} label={`${label} (${t('result.edgesUnrefined')})`} />
              ) : (
                <img
                  src={resultUrl}
                  alt={label}
                  width={width}
                  height={height}
                  draggable={false}
                  style={{ width, height, transform: `translate(${-left}px, ${-top}px)` }}
                />
              )}
              <span className="edges__label" aria-hidden="true">
                {unrefined ? `${label} · ${t('result.edgesUnrefined')}` : label}
              </span>
            </div>
          );
        })}
      </div>
    </figure>
  );
}
