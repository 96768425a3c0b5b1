// Numbers to and from text. Reading (CSV cells, workflow_dispatch inputs) is strict:
// "1e-3", "-2", ".5" are numbers; "0x10", "1_000", "12abc" and "" are not, unlike Number(), which reads ""
// and "0x10" as numbers. Writing (reports, messages): six significant digits, no float noise (0.1 + 0.2
// shows as 0.3), plain notation for everyday magnitudes and exponent notation for very small or large ones.
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

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? "∞" : value < 0 ? "-∞" : "NaN";
  if (value === 0) return "0";
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-4 && magnitude < 1e15) return String(Number(value.toPrecision(6)));
  return value.toExponential(3).replace(/\.?0+e/, "e");
}

/** A difference with its sign: "+0.012", "-3", "0". */
export function formatSigned(value: number): string {
  const text = formatNumber(value);
  return value > 0 ? `+${text}` : text;
}

/** A percentage with its sign and two decimals (more for tiny changes): "+1.25%", "-0.003%". */
export function formatPercent(value: number): string {
  if (!Number.isFinite(value)) return formatNumber(value);
  const magnitude = Math.abs(value);
  const digits =
    magnitude === 0 || magnitude >= 0.01 ? 2 : Math.min(6, 1 - Math.floor(Math.log10(magnitude)));
  const text = value.toFixed(digits);
  return value > 0 ? `+${text}%` : `${text}%`;
}
