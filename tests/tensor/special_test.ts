import { erf, rsqrt, type Tensor, tensor } from "../../mod.ts";
import { assertEquals } from "../../deps.ts";
import { assertClose, testOnDevices } from "../helpers.ts";
import { fixture, testCases } from "./transformer_cases.ts";

const BOTH = "matches PyTorch forward and backward";

testCases("special", {
  erf: {
    title: `on a dense grid over [-5, 5], both pieces of its approximation, ±∞, NaN and int32, and ${BOTH}`,
    run: ([x]) => x.erf(),
  },
  rsqrt: { title: `gives ∞ at 0 and NaN below, takes int32 and ${BOTH}`, run: ([x]) => rsqrt(x) },
});

testOnDevices(
  "erf is within 3 ulp of PyTorch's float32 erf over [-5, 5] (its approximation: 1.5 ulp)",
  async (dev) => {
    const grid = fixture.groups.special.find((c) => c.name === "grid")!;
    const got = await erf(tensor(grid.inputs[0].data, { device: dev })).data();
    grid.outs[0].data.forEach((want, i) => {
      const ulp = Math.max(Math.abs(want) * 2 ** -23, 2 ** -149);
      assertClose([got[i]], [want], { rtol: 0, atol: 3 * ulp }, `erf(${grid.inputs[0].data[i]})`);
    });
  },
);

testOnDevices("erf keeps float16 and computes it in float32 (rounded once)", async (dev) => {
  const x: Tensor = tensor([-2, -0.5, 0.25, 1.5], { dtype: "float16", device: dev });
  const y = erf(x);
  assertEquals(y.dtype, "float16");
  const want = Float32Array.from(await erf(x.float()).data(), (v) => Math.f16round(v));
  assertClose(await y.data(), want, { rtol: 2 ** -10, atol: 0 }, "erf float16");
}, { requires: "shader-f16" });
