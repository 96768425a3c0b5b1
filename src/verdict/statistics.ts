// Sample statistics for noisy metrics (seeds, folds): mean, standard deviation and a Student-t
// confidence interval. The t quantile is computed here rather than taken from a dependency: it is the
// regularized incomplete beta function (continued fraction) inverted by safeguarded Newton iteration,
// accurate to about 1e-12 relative up to df 1000 and 1e-10 beyond (the samples here are seeds and
// folds, so df is small); tests/unit/verdict/statistics.test.ts checks it against scipy and mpmath.

const LN_SQRT_2PI = 0.9189385332046728;

/** Stirling-series remainder: lgamma(x) - ((x - 0.5) ln x - x + ln √(2π)), for x >= 10. */
function lgammaCorrection(x: number): number {
  // Coefficients B(2k) / (2k (2k - 1)); eight terms reach double precision for x >= 10.
  const x2 = 1 / (x * x);
  let sum = -3617 / 122400;
  sum = sum * x2 + 1 / 156;
  sum = sum * x2 - 691 / 360360;
  sum = sum * x2 + 1 / 1188;
  sum = sum * x2 - 1 / 1680;
  sum = sum * x2 + 1 / 1260;
  sum = sum * x2 - 1 / 360;
  sum = sum * x2 + 1 / 12;
  return sum / x;
}

/** ln Γ(x) for x > 0: shift up to x >= 10 by the recurrence, then Stirling's series. */
export function lnGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`lnGamma needs x > 0 (got ${x})`);
  let shift = 0;
  let product = 1;
  let y = x;
  while (y < 10) {
    product *= y;
    y += 1;
    shift += 1;
  }
  const stirling = (y - 0.5) * Math.log(y) - y + LN_SQRT_2PI + lgammaCorrection(y);
  return shift === 0 ? stirling : stirling - Math.log(product);
}

/**
 * ln B(a, b), arranged (as in R's lbeta) so that large arguments do not cancel: for df in the millions the
 * naive lnΓ(a) + lnΓ(b) - lnΓ(a + b) would lose most digits.
 */
function lnBeta(a: number, b: number): number {
  const p = Math.min(a, b);
  const q = Math.max(a, b);
  if (p >= 10) {
    const correction = lgammaCorrection(p) + lgammaCorrection(q) - lgammaCorrection(p + q);
    return (
      -0.5 * Math.log(q) +
      LN_SQRT_2PI +
      correction +
      (p - 0.5) * Math.log(p / (p + q)) +
      q * Math.log1p(-p / (p + q))
    );
  }
  if (q >= 10) {
    const correction = lgammaCorrection(q) - lgammaCorrection(p + q);
    return lnGamma(p) + correction + p - p * Math.log(p + q) + (q - 0.5) * Math.log1p(-p / (p + q));
  }
  return lnGamma(p) + lnGamma(q) - lnGamma(p + q);
}

/** Continued fraction for the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number, oneMinusX: number): number {
  const tiny = 1e-300;
  const epsilon = 1e-16;
  let c = 1;
  // 1 - (a+b)x/(a+1); for x near 1 rearranged over the exactly known 1 - x, because with large a (the
  // t distribution at thousands of degrees of freedom) the plain form cancels to a few digits.
  let d = x <= 0.5 ? 1 - ((a + b) * x) / (a + 1) : (1 - b + (a + b) * oneMinusX) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let result = d;
  for (let m = 1; m <= 100_000; m++) {
    const m2 = 2 * m;
    let term = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + term * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + term / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    result *= d * c;
    term = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + term * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + term / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    result *= delta;
    if (Math.abs(delta - 1) < epsilon) return result;
  }
  return result;
}

/**
 * Regularized incomplete beta I_x(a, b). `oneMinusX` may be passed when it is known more precisely than
 * 1 - x (the t distribution knows both halves exactly).
 */
function regularizedIncompleteBeta(x: number, a: number, b: number, oneMinusX = 1 - x): number {
  if (x <= 0) return 0;
  if (oneMinusX <= 0) return 1;
  // log1p for the side near 1: with a in the millions, a·log(x) would otherwise amplify x's rounding.
  const logX = x < 0.5 ? Math.log(x) : Math.log1p(-oneMinusX);
  const logOneMinusX = oneMinusX < 0.5 ? Math.log(oneMinusX) : Math.log1p(-x);
  const logFront = a * logX + b * logOneMinusX - lnBeta(a, b);
  // Usually the direct fraction serves below x = (a+1)/(a+b+2). With a in the thousands (the t
  // distribution at large df) and x just below that point, x's own rounding dominates; there the
  // mirrored fraction over the exactly known 1 - x keeps more digits (it converges a little slower).
  const mirrored = x >= (a + 1) / (a + b + 2) || (a >= 1000 && oneMinusX < (8 * (b + 1)) / (a + b + 2));
  if (!mirrored) {
    return (Math.exp(logFront) * betaContinuedFraction(a, b, x, oneMinusX)) / a;
  }
  return 1 - (Math.exp(logFront) * betaContinuedFraction(b, a, oneMinusX, x)) / b;
}

/** P(T > t) for t >= 0 with `df` degrees of freedom. */
function studentTUpperTail(t: number, df: number): number {
  const t2 = t * t;
  // x = df / (df + t²) and 1 - x = t² / (df + t²), each computed without cancellation.
  return 0.5 * regularizedIncompleteBeta(df / (df + t2), df / 2, 0.5, t2 / (df + t2));
}

/** Cumulative distribution function of Student's t. */
export function studentTCdf(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return Number.NaN;
  const upper = studentTUpperTail(Math.abs(t), df);
  return t >= 0 ? 1 - upper : upper;
}

function studentTDensity(t: number, df: number): number {
  return Math.exp(-lnBeta(df / 2, 0.5) - 0.5 * Math.log(df) - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

/** Standard normal quantile (Acklam's rational approximation, ~1e-9): only a starting point here. */
function normalQuantileApprox(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  if (p > 1 - low) return -normalQuantileApprox(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}

/**
 * Quantile (inverse CDF) of Student's t with `df` > 0 degrees of freedom. Exact closed forms for df 1
 * and 2; otherwise Newton's method on the upper tail, kept inside a shrinking bracket so it cannot
 * diverge, started from the Cornish-Fisher expansion around the normal quantile.
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return Number.NEGATIVE_INFINITY;
    if (p === 1) return Number.POSITIVE_INFINITY;
    throw new RangeError(`studentTQuantile needs 0 <= p <= 1 (got ${p})`);
  }
  if (!(df > 0)) throw new RangeError(`studentTQuantile needs df > 0 (got ${df})`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  const tail = 1 - p;
  // Written with the tail (exact for p >= 0.5) so p near 1 keeps its digits.
  if (df === 1) return 1 / Math.tan(Math.PI * tail);
  if (df === 2) return (2 * p - 1) / Math.sqrt(2 * p * tail);

  const z = normalQuantileApprox(p);
  const z3 = z * z * z;
  const z5 = z3 * z * z;
  let t = z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df * df);
  if (!(t > 0) || !Number.isFinite(t)) t = z > 0 ? z : 1;
  let low = 0;
  let high = Number.POSITIVE_INFINITY;
  for (let iteration = 0; iteration < 200; iteration++) {
    const excess = studentTUpperTail(t, df) - tail; // decreasing in t
    if (excess > 0) low = t;
    else high = t;
    if (excess === 0) return t;
    let next = t + excess / studentTDensity(t, df);
    if (!(next > low && next < high)) next = Number.isFinite(high) ? (low + high) / 2 : Math.max(2 * t, 1);
    if (Math.abs(next - t) <= 1e-15 * Math.abs(t)) return next;
    t = next;
  }
  return t;
}

export interface SampleSummary {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1 denominator); 0 for a single value. */
  sd: number;
  /** Half-width of the confidence interval: t(1 - α/2, n - 1) · sd / √n; 0 when n < 2. */
  halfWidth: number;
  low: number;
  high: number;
  confidence: number;
}

/** Mean with a Student-t confidence interval (default 95%) for a sample of finite numbers. */
export function summarizeSample(values: readonly number[], confidence = 0.95): SampleSummary {
  const n = values.length;
  if (n === 0) throw new RangeError("summarizeSample needs at least one value");
  let sum = 0;
  for (const value of values) sum += value;
  // Two passes: the second corrects the mean's rounding and gives the centred sum of squares.
  let mean = sum / n;
  let residual = 0;
  for (const value of values) residual += value - mean;
  mean += residual / n;
  if (n === 1) return { n, mean, sd: 0, halfWidth: 0, low: mean, high: mean, confidence };
  let squares = 0;
  for (const value of values) squares += (value - mean) ** 2;
  const sd = Math.sqrt(squares / (n - 1));
  const halfWidth = studentTQuantile(1 - (1 - confidence) / 2, n - 1) * (sd / Math.sqrt(n));
  return { n, mean, sd, halfWidth, low: mean - halfWidth, high: mean + halfWidth, confidence };
}
