// Builds the widget into dist/: one self-contained widget.js (socket.io client included, no CDN) and the demo page.
import { build } from "esbuild";
import { copyFile, mkdir, rm } from "node:fs/promises";

const out = new URL("./dist/", import.meta.url);
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await build({
  entryPoints: [new URL("./src/index.js", import.meta.url).pathname],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  loader: { ".css": "text" },
  legalComments: "eof",
  sourcemap: true,
  outfile: new URL("./widget.js", out).pathname,
  logLevel: "warning",
});
for (const file of ["index.html", "demo.css"]) {
  await copyFile(new URL(`./demo/${file}`, import.meta.url), new URL(file, out));
}
console.log(`built ${out.pathname}`);
