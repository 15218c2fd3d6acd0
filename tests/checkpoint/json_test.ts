import { assertEquals, assertThrows } from "../../deps.ts";
import { parseJson, stringifyJson } from "../../checkpoint/json.ts";

const TRICKY = {
  words: [
    "NaN",
    "Infinity",
    "-Infinity",
    'say "NaN"',
    'back\\slash \\"Infinity\\"',
    "\u00e9\u4e2d\ud83d\ude00",
  ],
  numbers: [0, -0.5, 1e-300, 3.4028234663852886e38, Number.MAX_SAFE_INTEGER],
  nested: { "key with NaN": [[], {}, null, true, false], "": "empty key" },
};

Deno.test("stringifyJson() writes standard JSON (as JSON.stringify) when every number is finite", () => {
  const text = stringifyJson(TRICKY, "value");
  assertEquals(text, JSON.stringify(TRICKY));
  assertEquals(parseJson(text), JSON.parse(text));
});

Deno.test("parseJson(stringifyJson(x)) gives back NaN, Infinity and -Infinity, and leaves strings alone", () => {
  const value = { ...TRICKY, best: Infinity, worst: -Infinity, none: NaN, list: [NaN, -Infinity, 1, "NaN"] };
  const text = stringifyJson(value, "value");
  assertEquals(text.includes(":Infinity,"), true, "written bare, as Python's json writes it");
  assertEquals(parseJson(text), value);
});

Deno.test("stringifyJson() rejects what is not data, naming where it is", () => {
  const cases: [unknown, string][] = [
    [{ f: () => 1 }, "value.f is a function"],
    [{ m: new Map() }, "value.m is a Map"],
    [{ t: new Float32Array(2) }, "value.t is a Float32Array"],
    [{ list: [1, undefined] }, "value.list[1] is undefined"],
    [{ big: 1n }, "value.big is a bigint"],
  ];
  for (const [value, message] of cases) assertThrows(() => stringifyJson(value, "value"), TypeError, message);
});

Deno.test("parseJson() rejects text that is neither JSON nor its bare NaN and Infinity", () => {
  for (const text of ["Infinityx", "nan", "[NaN,]", "{'a':1}", '"unterminated']) {
    assertThrows(() => parseJson(text), SyntaxError);
  }
});
