// A labelled number box or slider: the one numeric control of the page (the preset editor's
// fields, the refine brush's size and hardness). An emptied number box gives NaN, which the
// caller's validation reports, rather than 0.

export interface NumberFieldProps {
  label: string;
  value: number;
  min: number;
  max: number;
  step?: number;
  type?: 'number' | 'range';
  testId?: string;
  /** The label element's class (the layout around the control). */
  className?: string;
  /** Shown beside the control and read out as its value (`aria-valuetext`), e.g. "24 px". */
  valueText?: string;
  valueClassName?: string;
  onValue: (v: number) => void;
}

export function NumberField(props: NumberFieldProps) {
  const { label, value, min, max, step, type = 'number', testId, className, valueText, onValue } = props;
  return (
    <label className={className}>
      {valueText === undefined ? `${label} ` : <span>{label}</span>}
      <input
        type={type}
        min={min}
        max={max}
        step={step}
        value={value}
        data-testid={testId}
        aria-valuetext={valueText}
        onChange={(e) => {
          const v = e.currentTarget.value;
          onValue(v.trim() === '' ? NaN : Number(v));
        }}
      />
      {valueText !== undefined && <output className={props.valueClassName}>{valueText}</output>}
    </label>
  );
}
