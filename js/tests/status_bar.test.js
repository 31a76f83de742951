import assert from "node:assert/strict";
import { test } from "node:test";
import { countsText, StatusBar } from "../status_bar.js";
import { installFakeDocument } from "./fake_dom.js";

installFakeDocument(); // the bar builds its elements when made, not when imported

test("the counts say what is selected and pinned, and nothing when there is neither", () => {
  assert.equal(countsText({ selected: 12, pins: 3 }), "12 selected · 3 pins");
  assert.equal(countsText({ selected: 1234567, pins: 0 }), "1,234,567 selected");
  assert.equal(countsText({ selected: 0, pins: 1 }), "1 pin");
  assert.equal(countsText({ selected: 0, pins: 0 }), "");
  assert.equal(countsText({}), "");
});

test("the counts join the kernel's status in one line", () => {
  const bar = new StatusBar();
  assert.equal(bar.status.hidden, true, "nothing to say yet");
  bar.setStatus("1,797 points · latent size 64");
  assert.equal(bar.status.textContent, "1,797 points · latent size 64");
  bar.setCounts({ selected: 12, pins: 3 });
  assert.equal(bar.status.textContent, "1,797 points · latent size 64 · 12 selected · 3 pins");
  bar.setCounts({ selected: 0, pins: 0 });
  assert.equal(bar.status.textContent, "1,797 points · latent size 64");
  assert.equal(bar.status.hidden, false);
  bar.dispose();
});

test("the counts show without a kernel status, and the kernel's line keeps them", () => {
  const bar = new StatusBar();
  bar.setCounts({ selected: 5 });
  assert.equal(bar.status.textContent, "5 selected");
  assert.equal(bar.status.hidden, false);
  bar.setStatus("200 points");
  assert.equal(bar.status.textContent, "200 points · 5 selected");
  bar.setStatus("");
  bar.setCounts({ selected: 0 });
  assert.equal(bar.status.hidden, true);
  bar.dispose();
});

test("counts unchanged since the last call write nothing (it is called every frame)", () => {
  const bar = new StatusBar();
  bar.setStatus("10 points");
  bar.setCounts({ selected: 2, pins: 1 });
  const writes = bar.countsPart.writes + bar.kernelPart.writes;
  for (let k = 0; k < 5; k++) bar.setCounts({ selected: 2, pins: 1 });
  assert.equal(bar.countsPart.writes + bar.kernelPart.writes, writes);
  bar.dispose();
});
