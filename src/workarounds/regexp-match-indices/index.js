// cucumber-expressions asks regexp-match-indices for the match of every step against every step
// definition, with `match.indices`. That package's polyfill tests for native indices with a RegExp that
// lacks the `d` flag, so on every Node it falls back to parsing each step definition's RegExp with
// regexp-tree: about 0.1 s of CPU in a 37-scenario run (0.65 s with this module, 0.75 s without,
// measured without reports), the largest single cost the scenarios add. Node >= 16 has the `d` flag
// (hasIndices), which gives the same indices; package.json's "overrides" puts this module in that
// package's place, and @cucumber/cucumber is pinned exactly. test/unit/workarounds.test.ts fails when
// cucumber stops depending on the version replaced here.
'use strict';

const withIndices = new WeakMap();

/** RegExp.prototype.exec of `regexp` on `string`, with `indices`; lastIndex behaves as exec's. */
function exec(regexp, string) {
  let measured = withIndices.get(regexp);
  if (measured === undefined) {
    measured = regexp.hasIndices ? regexp : new RegExp(regexp.source, `${regexp.flags}d`);
    withIndices.set(regexp, measured);
  }
  measured.lastIndex = regexp.lastIndex;
  const match = measured.exec(string);
  regexp.lastIndex = measured.lastIndex;
  return match;
}

module.exports = exec;
