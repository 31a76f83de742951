import assert from "node:assert/strict";
import { test } from "node:test";
import { KernelLink } from "../kernel_link.js";

/** A Lumino-like signal: connect(slot, thisArg), disconnect(slot, thisArg), emit(args). */
function signal(sender) {
  let slots = [];
  return {
    connect: (slot, thisArg) => slots.push([slot, thisArg]),
    disconnect: (slot, thisArg) => {
      slots = slots.filter(([s, t]) => s !== slot || t !== thisArg);
    },
    emit: (args) => {
      for (const [slot, thisArg] of slots) slot.call(thisArg, sender, args);
    },
    get count() {
      return slots.length;
    },
  };
}

/** anywidget's model as a view sees it, over a JupyterLab kernel connection. */
function setup({ kernel = true, sendThrows = null, marked = false } = {}) {
  const handlers = new Map();
  const sent = [];
  const k = kernel ? { status: "idle", isDisposed: false } : null;
  if (k) {
    k.statusChanged = signal(k);
    k.disposed = signal(k);
  }
  const model = {
    on: (name, fn) => handlers.set(name, [...(handlers.get(name) ?? []), fn]),
    off: (name, fn) =>
      handlers.set(
        name,
        (handlers.get(name) ?? []).filter((f) => f !== fn),
      ),
    trigger: (name) => {
      for (const fn of handlers.get(name) ?? []) fn();
    },
    send: (content, _callbacks, buffers) => {
      if (sendThrows) throw sendThrows;
      sent.push({ content, buffers });
    },
    widget_manager: { kernel: k },
    handlers,
  };
  const classes = new Set(marked ? ["jupyter-widgets-disconnected"] : []);
  const el = { classList: { contains: (c) => classes.has(c) } };
  const gone = [];
  const link = new KernelLink({ model, el, gone: (text) => gone.push(text) });
  return { model, kernel: k, classes, link, gone, sent };
}

test("while the kernel is there, messages go out (buffers too)", () => {
  const { link, sent, gone } = setup();
  link.check();
  assert.equal(link.send({ type: "decode" }), true);
  const buffer = new DataView(new ArrayBuffer(4));
  assert.equal(link.send({ type: "selection_part" }, [buffer]), true);
  assert.deepEqual(sent, [
    { content: { type: "decode" }, buffers: undefined },
    { content: { type: "selection_part" }, buffers: [buffer] },
  ]);
  assert.deepEqual(gone, []);
});

test("a restart: the widget manager marks the comm dead (comm_live_update)", () => {
  const { model, classes, link, gone, sent } = setup({ kernel: false });
  model.trigger("comm_live_update"); // comm_live set (the mark says which way)
  assert.equal(link.gone, false, "no mark: the comm is live");
  classes.add("jupyter-widgets-disconnected");
  model.trigger("comm_live_update");
  assert.equal(link.gone, true);
  assert.equal(gone.length, 1);
  assert.match(gone[0], /restarted.*Run the cell again/);
  assert.equal(link.send({ type: "decode" }), false);
  assert.deepEqual(sent, []);
});

test("the kernel's status: restarting, autorestarting and dead mean gone; busy does not", () => {
  for (const [status, words] of [
    ["restarting", /restarted/],
    ["autorestarting", /died and was restarted/],
    ["dead", /shut down/],
  ]) {
    const { kernel, link, gone } = setup();
    for (const passing of ["busy", "idle", "unknown", "starting"])
      kernel.statusChanged.emit(passing);
    assert.equal(link.gone, false, status);
    kernel.statusChanged.emit(status);
    kernel.statusChanged.emit(status);
    assert.equal(gone.length, 1, "said once");
    assert.match(gone[0], words);
  }
});

test("a shutdown disposes the kernel connection", () => {
  const { kernel, link, gone } = setup();
  kernel.disposed.emit(undefined);
  assert.equal(link.gone, true);
  assert.match(gone[0], /shut down/);
});

test("the kernel closing the comm", () => {
  const { model, link } = setup();
  model.trigger("comm:close");
  assert.equal(link.gone, true);
});

test("a view of a model without a live comm is gone from the start (check)", () => {
  const { link, gone } = setup({ marked: true });
  assert.equal(link.gone, false, "nothing said before the host asks");
  link.check();
  assert.equal(link.gone, true);
  assert.equal(gone.length, 1);
  const dead = setup();
  dead.kernel.status = "dead";
  dead.link.check();
  assert.equal(dead.link.gone, true);
});

test("a comm that refuses to send means gone; any other error is thrown", () => {
  const { link, gone } = setup({ kernel: false, sendThrows: new Error("Cannot send") });
  assert.equal(link.send({ type: "pin" }), false);
  assert.equal(gone.length, 1);
  const other = setup({ sendThrows: new TypeError("bad message") });
  assert.throws(() => other.link.send({ type: "pin" }), /bad message/);
  assert.equal(other.link.gone, false);
});

test("dispose stops listening", () => {
  const { model, kernel, link } = setup();
  link.dispose();
  assert.equal(kernel.statusChanged.count, 0);
  assert.equal(kernel.disposed.count, 0);
  assert.equal(model.handlers.get("comm_live_update").length, 0);
  assert.equal(model.handlers.get("comm:close").length, 0);
});

test("a trait save the comm refuses marks the kernel gone instead of throwing", () => {
  const { model, link, gone } = setup();
  let saves = 0;
  model.save_changes = () => {
    saves++;
    if (saves > 1) throw new Error("Cannot send");
  };
  assert.equal(link.save(), true);
  assert.equal(link.save(), false);
  assert.equal(link.gone, true);
  assert.equal(gone.length, 1);
  assert.equal(link.save(), false, "nothing more is saved once gone");
  assert.equal(saves, 2);
});
