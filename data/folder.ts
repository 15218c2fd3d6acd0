/**
 * Files inside a dataset's folder, which users give as a path or a file URL, with or without a trailing slash.
 *
 * @module
 */

/**
 * The file `name` inside the folder `root`, as the same kind of value `root` is.
 *
 * @example
 * ```ts
 * import { inFolder } from "./folder.ts";
 * inFolder("data/cifar-10-batches-bin/", "test_batch.bin"); // "data/cifar-10-batches-bin/test_batch.bin"
 * ```
 */
export function inFolder(root: string | URL, name: string): string | URL {
  if (root instanceof URL) return new URL(name, root.href.endsWith("/") ? root : `${root.href}/`);
  return `${root.replace(/\/$/, "")}/${name}`;
}

/**
 * A file as a path to show in messages: a file URL's decoded path, or the path itself.
 *
 * @example
 * ```ts
 * import { displayPath } from "./folder.ts";
 * displayPath(new URL("file:///data/my%20cifar/test_batch.bin")); // "/data/my cifar/test_batch.bin"
 * ```
 */
export function displayPath(file: string | URL): string {
  return file instanceof URL ? decodeURIComponent(file.pathname) : file;
}
