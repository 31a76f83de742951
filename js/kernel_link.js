// Whether the kernel that holds this widget's Python object is still there. A kernel that
// restarts or shuts down takes the object with it: the page keeps its map, but nothing it
// asks can be answered (and JupyterLab's disposed comm throws on send). How a view learns it
// (read in JupyterLab 4's services, @jupyter-widgets/base and jupyterlab-manager, anywidget):
//
// * restart: the widget manager sees the kernel's status "restarting" and sets every model's
//   `comm_live` to false (manager-base `disconnect()`), which triggers `comm_live_update` on
//   the model and marks the view's element `jupyter-widgets-disconnected`. `comm_live` only
//   ever turns true when a model is made, so a mark after that means the comm is gone.
// * shutdown, a kernel that died (status "dead", or "autorestarting" when the server restarts
//   it), or a change of kernel: the widget manager does nothing; the kernel connection
//   disposes every comm. The view watches the connection's `statusChanged` and `disposed`
//   signals (anywidget's model exposes `widget_manager`, whose `kernel` is the session's).
// * the kernel closed the comm (`w.close()`): `comm:close`; the views are removed right after.
// Where none of those is reachable (another front end), a send that the comm refuses ("Cannot
// send": JupyterLab's disposed comm) says it.

/** Kernel statuses after which this model's comm is gone for good. */
const GONE_STATUS = {
  restarting: "The kernel was restarted",
  autorestarting: "The kernel died and was restarted",
  dead: "The kernel was shut down or died",
};

/** The line shown once the kernel is gone. */
export function goneText(what) {
  return `${what}: this map's Python object went with it, and nothing more is asked of Python. Run the cell again for a live map.`;
}

export class KernelLink {
  /**
   * Listens from construction; `check()` once the host is built reports a kernel gone
   * already (a view of a model restored without its kernel).
   * @param {object} host
   * @param {{on: Function, off: Function, send: Function, widget_manager?: object}} host.model
   * @param {Element} host.el the view's element (ipywidgets marks it while the comm is dead)
   * @param {(text: string) => void} host.gone called once, when the kernel is gone
   */
  constructor({ model, el, gone }) {
    this.model = model;
    this.el = el;
    this.onGone = gone;
    this.text = ""; // why the kernel is gone ("" while it is there)
    this.onCommLive = () => this.check();
    this.onCommClose = () => this.lose("The widget was closed in Python");
    model.on("comm_live_update", this.onCommLive);
    model.on("comm:close", this.onCommClose);
    this.kernel = kernelOf(model);
    this.kernel?.statusChanged.connect(this.onStatus, this);
    this.kernel?.disposed.connect(this.onDisposed, this);
  }

  get gone() {
    return this.text !== "";
  }

  /**
   * Whether this is a saved page (`w.save_html`): it never had a kernel, and writes the page
   * makes to its own model (selection, switches) still count there.
   */
  get saved() {
    return typeof this.model.noKernel === "string";
  }

  /** Whether a saved page answers requests of this type itself (`StandaloneModel.answers`). */
  answers(type) {
    return this.saved && this.model.answers?.(type) === true;
  }

  /** Reports the kernel gone if it is (the comm marked dead, the kernel dead or disposed). */
  check() {
    if (this.saved) this.lose("", this.model.noKernel);
    else if (this.el.classList?.contains("jupyter-widgets-disconnected"))
      this.lose("The kernel was restarted or disconnected");
    else if (this.kernel?.isDisposed) this.lose("The kernel connection was closed");
    else this.onStatus(this.kernel, this.kernel?.status);
  }

  onStatus(_kernel, status) {
    if (Object.hasOwn(GONE_STATUS, status)) this.lose(GONE_STATUS[status]);
  }

  onDisposed() {
    this.lose("The kernel was shut down or replaced");
  }

  lose(what, text = goneText(what)) {
    if (this.gone) return;
    this.text = text;
    this.onGone(this.text);
  }

  /**
   * Sends a message unless the kernel is gone. Returns whether it was sent.
   * @param {object} content
   * @param {DataView[]} [buffers]
   */
  send(content, buffers) {
    // A saved page answers what it carries (its pictures) itself; nothing else goes out.
    if (this.saved) return this.model.answer?.(content) === true;
    return this.attempt(() => {
      if (buffers) this.model.send(content, undefined, buffers);
      else this.model.send(content);
    });
  }

  /** Saves the model's changed traits; a comm that refuses marks the kernel gone. */
  save() {
    return this.attempt(() => this.model.save_changes());
  }

  /** Runs one write to the kernel unless it is gone; a comm that refuses ("Cannot send": the
   * kernel went without any signal saying so) marks it gone. Whether the write went out. */
  attempt(write) {
    if (this.gone) return false;
    try {
      write();
    } catch (error) {
      if (!/cannot send/i.test(String(error?.message))) throw error;
      this.lose("The kernel connection was closed");
      return false;
    }
    return true;
  }

  dispose() {
    this.model.off("comm_live_update", this.onCommLive);
    this.model.off("comm:close", this.onCommClose);
    this.kernel?.statusChanged.disconnect(this.onStatus, this);
    this.kernel?.disposed.disconnect(this.onDisposed, this);
  }
}

/** The kernel connection of the model's widget manager, when it has Lumino signals. */
function kernelOf(model) {
  const kernel = model.widget_manager?.kernel ?? null;
  const signal = (s) => typeof s?.connect === "function" && typeof s?.disconnect === "function";
  return kernel && signal(kernel.statusChanged) && signal(kernel.disposed) ? kernel : null;
}
