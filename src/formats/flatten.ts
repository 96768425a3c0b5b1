// Nested metrics to flat dotted names: {"per_class": {"3": {"f1": 0.9}}} -> "per_class.3.f1".
// A list of numbers stays one metric (seeds, folds: evaluate-gate treats it as a sample); a list of
// mappings is flattened by index; anything else that is not a number is set aside with a reason, so the
// summary can say what was left out instead of dropping it silently.

/** What flattening keeps: a finite number, or a non-empty list of them (the run record's MetricValue). */
export type NumberOrSample = number | number[];

export interface IgnoredMetric {
  name: string;
  value: unknown;
  reason: string;
}

export interface FlatMetrics {
  metrics: Record<string, NumberOrSample>;
  ignored: IgnoredMetric[];
}

/** Called for NaN or an infinity; throws the error that names the file. */
export type NonFiniteHandler = (name: string, value: number) => never;

/** Called when two paths flatten to the same name ({"a.b": 1, "a": {"b": 2}}). */
export type CollisionHandler = (name: string) => never;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

export function flattenMetrics(
  root: Record<string, unknown>,
  onNonFinite: NonFiniteHandler,
  onCollision: CollisionHandler,
): FlatMetrics {
  const metrics: Record<string, NumberOrSample> = Object.create(null) as Record<string, NumberOrSample>;
  const ignored: IgnoredMetric[] = [];
  const put = (name: string, value: NumberOrSample): void => {
    if (Object.hasOwn(metrics, name)) onCollision(name);
    metrics[name] = value;
  };

  const visit = (name: string, value: unknown): void => {
    if (typeof value === "number") {
      if (!Number.isFinite(value)) onNonFinite(name, value);
      put(name, value);
    } else if (isPlainObject(value)) {
      const keys = Object.keys(value);
      if (keys.length === 0) ignored.push({ name, value, reason: "an empty mapping" });
      for (const key of keys) visit(name === "" ? key : `${name}.${key}`, value[key]);
    } else if (Array.isArray(value)) {
      if (value.length === 0) {
        ignored.push({ name, value, reason: "an empty list" });
      } else if (value.every((v) => typeof v === "number")) {
        for (const v of value) if (!Number.isFinite(v)) onNonFinite(name, v);
        put(name, value);
      } else if (value.every(isPlainObject)) {
        value.forEach((v, i) => {
          visit(`${name}.${i}`, v);
        });
      } else {
        const reason = value.every(Array.isArray)
          ? "a list of lists (such as a confusion matrix), not a number or a list of numbers"
          : "a list that is not all numbers";
        ignored.push({ name, value, reason });
      }
    } else {
      ignored.push({ name, value, reason: describeNonNumber(value) });
    }
  };
  visit("", root);
  return { metrics: { ...metrics }, ignored };
}

function describeNonNumber(value: unknown): string {
  if (value === null || value === undefined) return "empty (null)";
  if (typeof value === "boolean") return "a boolean, not a number";
  if (typeof value === "string") {
    return value.trim() !== "" && Number.isFinite(Number(value))
      ? "a quoted string that looks like a number; write it without quotes to use it as a metric"
      : "text, not a number";
  }
  return `a ${typeof value}, not a number`;
}
