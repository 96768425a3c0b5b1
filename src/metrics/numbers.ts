// Numbers written as text (CSV cells, workflow_dispatch inputs). Strict: "1e-3", "-2", ".5" are numbers;
// "0x10", "1_000", "12abc" and "" are not, unlike Number(), which reads "" and "0x10" as numbers.
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Spellings of NaN and infinity from Python, NumPy, pandas, R and YAML. */
const NON_FINITE = /^[+-]?(?:nan|\.nan|inf|\.inf|infinity)$/i;

/** The number a text spells, or undefined when it is not a decimal number. */
export function parseDecimal(text: string): number | undefined {
  const trimmed = text.trim();
  return DECIMAL.test(trimmed) ? Number(trimmed) : undefined;
}

/** Whether a text spells NaN or an infinity. */
export function isNonFiniteText(text: string): boolean {
  return NON_FINITE.test(text.trim());
}
