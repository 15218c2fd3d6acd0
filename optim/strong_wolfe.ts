/**
 * PyTorch's strong-Wolfe line search for LBFGS (ported there from torch/optim's lswolfe.lua): bracketing, then
 * zooming with safeguarded cubic interpolation. The search runs on the host over numbers; each trial point is one
 * evaluation of the objective, supplied by the caller.
 *
 * @module
 */
/** The objective along the search direction at one step length: its value and its derivative there. */
export interface LineEvaluation {
  /** The loss. */
  loss: number;
  /** The directional derivative: the gradient dotted with the search direction. */
  gtd: number;
}

/** The conditions and limits of the search (PyTorch's defaults). */
export interface StrongWolfeOptions {
  /** Sufficient decrease (Armijo) constant. */
  c1: number;
  /** Curvature constant. */
  c2: number;
  /** The search stops when the bracket, times the largest direction entry, is below this. */
  toleranceChange: number;
  /** The most evaluations. */
  maxLs: number;
}

/**
 * The minimizer of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, clamped to `bounds` (by default
 * the interval between x1 and x2); the bounds' midpoint when the cubic has no minimum.
 *
 * @example
 * ```ts
 * import { cubicInterpolate } from "@gradstep/gradstep/optim";
 * // f(x) = (x − 0.3)² at 0 and 1, with its slopes there: the cubic's minimizer is f's, 0.3
 * const x = cubicInterpolate(0, 0.09, -0.6, 1, 0.49, 1.4);
 * ```
 */
export function cubicInterpolate(
  x1: number,
  f1: number,
  g1: number,
  x2: number,
  f2: number,
  g2: number,
  bounds: [number, number] = x1 <= x2 ? [x1, x2] : [x2, x1],
): number {
  const [lo, hi] = bounds;
  const d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
  const d2Square = d1 ** 2 - g1 * g2;
  if (d2Square < 0) return (lo + hi) / 2;
  const d2 = Math.sqrt(d2Square);
  const minPos = x1 <= x2
    ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
  return Math.min(Math.max(minPos, lo), hi);
}

/**
 * Searches along a descent direction from `start` (step length 0) for a step length satisfying the strong Wolfe
 * conditions, first trying `t`; `dMax` is the direction's largest absolute entry. Resolves to the best point found
 * (with whatever else `evaluate` returned there, e.g. the gradient) and the number of evaluations it took.
 *
 * @example
 * ```ts
 * import { strongWolfe } from "@gradstep/gradstep/optim";
 * // φ(t) = (t − 0.3)², a step of 1 overshoots: the search brackets and zooms in.
 * const phi = (t: number) => ({ loss: (t - 0.3) ** 2, gtd: 2 * (t - 0.3) });
 * const { point, evals } = await strongWolfe((t) => Promise.resolve(phi(t)), 1, 1, phi(0));
 * console.log(point.t, evals); // 0.3 (the cubic through a quadratic is exact), 2
 * ```
 */
export async function strongWolfe<E extends LineEvaluation>(
  evaluate: (t: number) => Promise<E>,
  t: number,
  dMax: number,
  start: E,
  options: Partial<StrongWolfeOptions> = {},
): Promise<{ point: E & { t: number }; evals: number }> {
  const { c1 = 1e-4, c2 = 0.9, toleranceChange = 1e-9, maxLs = 25 } = options;
  const { loss: f, gtd } = start;
  type Point = E & { t: number };
  const origin: Point = { ...start, t: 0 };
  const at = async (t: number): Promise<Point> => ({ ...(await evaluate(t)), t });
  const armijoFails = (p: Point): boolean => p.loss > f + c1 * p.t * gtd;
  const curvatureHolds = (p: Point): boolean => Math.abs(p.gtd) <= -c2 * gtd;

  // Bracket an interval containing a point satisfying the conditions.
  let next = await at(t);
  let evals = 1;
  let prev = origin;
  let bracket: Point[] = [origin, next];
  let done = false;
  let lsIter = 0;
  while (lsIter < maxLs) {
    if (armijoFails(next) || (lsIter > 1 && next.loss >= prev.loss)) {
      bracket = [prev, next];
      break;
    }
    if (curvatureHolds(next)) {
      bracket = [next];
      done = true;
      break;
    }
    if (next.gtd >= 0) {
      bracket = [prev, next];
      break;
    }
    const tNext = cubicInterpolate(prev.t, prev.loss, prev.gtd, next.t, next.loss, next.gtd, [
      next.t + 0.01 * (next.t - prev.t),
      next.t * 10,
    ]);
    prev = next;
    next = await at(tNext);
    evals++;
    lsIter++;
  }
  if (lsIter === maxLs) bracket = [origin, next];

  // Zoom: shrink the bracket until a point satisfies the conditions.
  let insufficientProgress = false;
  const order = (): [
    number,
    number,
  ] => (bracket[0].loss <= bracket[bracket.length - 1].loss ? [0, 1] : [1, 0]);
  let [low, high] = order();
  while (!done && lsIter < maxLs) {
    const [a, b] = bracket;
    if (Math.abs(b.t - a.t) * dMax < toleranceChange) break;
    let tNew = cubicInterpolate(a.t, a.loss, a.gtd, b.t, b.loss, b.gtd);
    // Keep the trial at least a tenth of the bracket away from its ends when progress stalls.
    const [lo, hi] = [Math.min(a.t, b.t), Math.max(a.t, b.t)];
    const eps = 0.1 * (hi - lo);
    if (Math.min(hi - tNew, tNew - lo) < eps) {
      if (insufficientProgress || tNew >= hi || tNew <= lo) {
        tNew = Math.abs(tNew - hi) < Math.abs(tNew - lo) ? hi - eps : lo + eps;
        insufficientProgress = false;
      } else insufficientProgress = true;
    } else insufficientProgress = false;
    const point = await at(tNew);
    evals++;
    lsIter++;
    if (armijoFails(point) || point.loss >= bracket[low].loss) {
      bracket[high] = point;
      [low, high] = order();
    } else {
      if (curvatureHolds(point)) done = true;
      else if (point.gtd * (bracket[high].t - bracket[low].t) >= 0) bracket[high] = bracket[low];
      bracket[low] = point;
    }
  }
  return { point: bracket[low], evals };
}
