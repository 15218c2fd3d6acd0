/**
 * Vega-Lite specs rendered to SVG files headless, as examples/lr_schedule.ts does: npm `vega-lite` compiles the
 * spec to Vega, npm `vega` renders it with no browser and no network.
 *
 * @module
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

/**
 * Renders `spec` (its data inline) to an SVG file at `path`.
 *
 * @example
 * ```ts
 * import { writeSvg } from "./svg_plot.ts";
 * await writeSvg({
 *   data: { values: [{ epoch: 1, loss: 0.4 }, { epoch: 2, loss: 0.2 }] },
 *   mark: "line",
 *   encoding: { x: { field: "epoch", type: "quantitative" }, y: { field: "loss", type: "quantitative" } },
 * }, "loss.svg");
 * ```
 */
export async function writeSvg(spec: TopLevelSpec, path: string): Promise<void> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    await Deno.writeTextFile(path, await view.toSVG());
  } finally {
    view.finalize();
  }
}
