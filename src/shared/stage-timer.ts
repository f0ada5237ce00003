// The stage timer: milliseconds per named stage of a job, each lap added to its stage's total.
// The one implementation for the inference worker's StageTimings and the refine steps' timings.

/**
 * Returns `lap(stage)`, which adds the time since the previous lap (or since this call) to
 * `into[stage]`. With `into` undefined nothing is measured and `lap` costs nothing.
 */
export function stageTimer<K extends string>(
  into: Partial<Record<K, number>> | undefined,
): (stage: K) => void {
  if (!into) return () => undefined;
  let t0 = performance.now();
  return (stage) => {
    const t = performance.now();
    into[stage] = (into[stage] ?? 0) + t - t0;
    t0 = t;
  };
}
