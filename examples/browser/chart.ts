/**
 * A live line chart on a canvas: the training loss (left axis) and the running accuracy in % (right axis) against
 * the step, redrawn whole on each new point.
 *
 * @module
 */

/** One reading of the training loop: the mean loss and the accuracy (%) of the steps since the last one. */
export interface Point {
  step: number;
  loss: number;
  accuracy: number;
}

/**
 * The canvas and its 2D context as far as the chart draws on them (the repository type-checks with Deno's types,
 * which have no DOM).
 */
export interface Canvas {
  readonly width: number;
  readonly height: number;
  getContext(kind: "2d"): Context2D | null;
}

/** The part of CanvasRenderingContext2D the chart uses. */
export interface Context2D {
  font: string;
  fillStyle: string;
  strokeStyle: string;
  lineWidth: number;
  textAlign: "left" | "right" | "center";
  clearRect(x: number, y: number, width: number, height: number): void;
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  stroke(): void;
  fillText(text: string, x: number, y: number): void;
}

const LOSS = "#c0392b";
const ACCURACY = "#2471a3";
const MARGIN = { left: 52, right: 52, top: 16, bottom: 32 };

/**
 * The loss and accuracy chart of a run of `steps` steps, drawn on `canvas`.
 *
 * @example
 * ```ts ignore
 * import { LossChart } from "./chart.ts";
 * const chart = new LossChart(document.getElementById("chart") as HTMLCanvasElement, 300);
 * chart.add({ step: 25, loss: 1.2, accuracy: 71.5 });
 * ```
 */
export class LossChart {
  readonly #points: Point[] = [];
  readonly #context: Context2D;

  /** A chart of a run of `steps` steps on `canvas`, drawn empty at once. */
  constructor(readonly canvas: Canvas, readonly steps: number) {
    const context = canvas.getContext("2d");
    if (context === null) throw new Error("The chart's canvas has no 2D context");
    this.#context = context;
    this.#draw();
  }

  /** Adds a reading and redraws. */
  add(point: Point): void {
    this.#points.push(point);
    this.#draw();
  }

  #draw(): void {
    const c = this.#context;
    const { width, height } = this.canvas;
    const w = width - MARGIN.left - MARGIN.right;
    const h = height - MARGIN.top - MARGIN.bottom;
    const maxLoss = Math.max(0.5, ...this.#points.map((p) => p.loss)) * 1.05;
    const x = (step: number): number => MARGIN.left + (w * step) / this.steps;
    const yLoss = (loss: number): number => MARGIN.top + h * (1 - loss / maxLoss);
    const yAccuracy = (accuracy: number): number => MARGIN.top + h * (1 - accuracy / 100);

    c.clearRect(0, 0, width, height);
    c.font = "12px sans-serif";
    c.strokeStyle = "#ddd";
    c.fillStyle = "#333";
    c.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const y = MARGIN.top + (h * i) / 4;
      c.beginPath();
      c.moveTo(MARGIN.left, y);
      c.lineTo(MARGIN.left + w, y);
      c.stroke();
      c.textAlign = "right";
      c.fillStyle = LOSS;
      c.fillText((maxLoss * (1 - i / 4)).toFixed(2), MARGIN.left - 6, y + 4);
      c.textAlign = "left";
      c.fillStyle = ACCURACY;
      c.fillText(`${100 - 25 * i}%`, MARGIN.left + w + 6, y + 4);
    }
    c.fillStyle = "#333";
    c.textAlign = "center";
    for (let i = 0; i <= 4; i++) {
      const step = Math.round((this.steps * i) / 4);
      c.fillText(String(step), x(step), MARGIN.top + h + 16);
    }
    c.fillText("step", MARGIN.left + w / 2, height - 2);
    this.#line(LOSS, this.#points.map((p) => [x(p.step), yLoss(p.loss)]));
    this.#line(ACCURACY, this.#points.map((p) => [x(p.step), yAccuracy(p.accuracy)]));
    c.textAlign = "left";
    c.fillStyle = LOSS;
    c.fillText("loss", MARGIN.left + 8, MARGIN.top + 14);
    c.fillStyle = ACCURACY;
    c.fillText("accuracy", MARGIN.left + 48, MARGIN.top + 14);
  }

  #line(color: string, points: [number, number][]): void {
    const c = this.#context;
    c.strokeStyle = color;
    c.lineWidth = 2;
    c.beginPath();
    points.forEach(([px, py], i) => i === 0 ? c.moveTo(px, py) : c.lineTo(px, py));
    c.stroke();
  }
}
