// WebGL2 scatter drawn straight from the positions' Float32Array.
//
// Positions, colour codes and selection flags live in GPU buffers uploaded only when their
// trait changes; pan and zoom change two uniforms. Codes index a 256 × N RGBA palette texture
// read in the vertex shader. With a selection, pass 1 draws the unselected points faded and
// pass 2 draws the selected ones on top, larger and outlined (each pass moves the other
// group's points out of clip space). Points of 5 px and more get a soft rim; smaller ones
// stay solid squares.
//
// Large maps (CACHE_MIN_POINTS and up) render their points into an offscreen texture that
// covers the view plus a margin, then copy it to the canvas. While the user pans or zooms,
// drawCached() only draws that texture as one quad moved and scaled by the view change
// since it was rendered (a few ms on software GL against ~300 ms for 1M points); the
// caller re-renders crisp points once the interaction pauses. On software WebGL that picture
// of small points is rasterised by JavaScript (point_splat.js), ~20× faster than WebGL there.

const VERTEX = `#version 300 es
precision highp float;
in vec2 a_pos;
in float a_code;
in float a_sel;
uniform vec2 u_center;
uniform vec2 u_scale;
uniform float u_size;
uniform float u_sel_size;
uniform float u_outline_px;
uniform int u_pass;
uniform sampler2D u_palette;
out vec4 v_color;
out float v_outline;
out float v_aa;
void main() {
bool sel = a_sel > 0.5;
if ((u_pass == 1 && sel) || (u_pass == 2 && !sel)) {
gl_Position = vec4(2.0, 2.0, 2.0, 1.0);
gl_PointSize = 1.0;
return;
}
gl_Position = vec4((a_pos - u_center) * u_scale, 0.0, 1.0);
int c = int(a_code + 0.5);
vec4 color = texelFetch(u_palette, ivec2(c & 255, c >> 8), 0);
float size = u_size;
v_outline = 2.0;
if (u_pass == 1) {
color = vec4(mix(color.rgb, vec3(0.62), 0.55), 0.35);
} else if (u_pass == 2) {
size = u_sel_size;
v_outline = 1.0 - 2.0 * u_outline_px / size;
}
gl_PointSize = size;
v_aa = size >= 5.0 ? 1.5 / size : 0.0001;
v_color = color;
}`;

const FRAGMENT = `#version 300 es
precision mediump float;
in vec4 v_color;
in float v_outline;
in float v_aa;
uniform vec4 u_outline_color;
out vec4 o_color;
void main() {
vec2 p = gl_PointCoord * 2.0 - 1.0;
float r = length(p);
if (r > 1.0) discard;
vec4 c = r > v_outline ? u_outline_color : v_color;
float a = c.a * clamp((1.0 - r) / v_aa, 0.0, 1.0);
o_color = vec4(c.rgb * a, a);
}`;

import { SPLAT_MAX_SIZE, splatPoints } from "./point_splat.js";

const BLIT_VERTEX = `#version 300 es
precision highp float;
uniform vec4 u_rect;
out vec2 v_uv;
void main() {
vec2 corner = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1));
v_uv = corner;
gl_Position = vec4(mix(u_rect.xy, u_rect.zw, corner), 0.0, 1.0);
}`;

const BLIT_FRAGMENT = `#version 300 es
precision mediump float;
in vec2 v_uv;
uniform sampler2D u_image;
uniform float u_fade;
out vec4 o_color;
void main() {
vec4 c = texture(u_image, v_uv);
// Faded like the unselected points of a selection frame (premultiplied colours).
vec4 faded = vec4(mix(c.rgb, vec3(0.62) * c.a, 0.55) * 0.35, c.a * 0.35);
o_color = mix(c, faded, u_fade);
}`;

/** The selected points' outline: packed RGBA bytes (JavaScript), and as floats (shader). */
const OUTLINE_RGBA = [
  new Uint32Array(Uint8Array.of(20, 20, 26, 255).buffer)[0],
  [0.08, 0.08, 0.1, 1],
];

/** From this many points on, frames go through the offscreen cache (see drawCached). */
export const CACHE_MIN_POINTS = 150000;
/** On software WebGL from this many: there a full WebGL redraw costs ~0.7 µs a point. */
export const SOFTWARE_CACHE_MIN_POINTS = 20000;
/** The cache covers the view widened by this fraction of its size on each side. */
const CACHE_MARGIN = 0.25;

/**
 * The cache's data range and texture size for a view drawn on a w × h device-pixel canvas:
 * whole pixels of margin on each side, so at an unchanged view the copy is pixel-exact.
 * @returns {{view: {x0: number, x1: number, y0: number, y1: number}, width: number, height: number, mx: number, my: number}}
 */
export function cacheFrame(view, w, h, maxSize = 8192, margin = CACHE_MARGIN) {
  const mx = Math.max(0, Math.min(Math.round(w * margin), Math.floor((maxSize - w) / 2)));
  const my = Math.max(0, Math.min(Math.round(h * margin), Math.floor((maxSize - h) / 2)));
  const ux = (view.x1 - view.x0) / w,
    uy = (view.y1 - view.y0) / h;
  return {
    view: {
      x0: view.x0 - mx * ux,
      x1: view.x1 + mx * ux,
      y0: view.y0 - my * uy,
      y1: view.y1 + my * uy,
    },
    width: w + 2 * mx,
    height: h + 2 * my,
    mx,
    my,
  };
}

/**
 * Clip-space rectangle [left, bottom, right, top] where the data range `r` lies in `view`.
 * @returns {number[]}
 */
export function clipRect(r, view) {
  const sx = 2 / (view.x1 - view.x0),
    sy = 2 / (view.y1 - view.y0);
  return [
    (r.x0 - view.x0) * sx - 1,
    (r.y0 - view.y0) * sy - 1,
    (r.x1 - view.x0) * sx - 1,
    (r.y1 - view.y0) * sy - 1,
  ];
}

/**
 * Point diameter in CSS pixels: larger for few points, a little larger when zoomed in.
 * @param {number} n number of points
 * @param {number} zoom how many times the view is magnified against the fitted view
 */
export function pointSize(n, zoom = 1) {
  const base = Math.min(10, Math.max(2, 26 * Math.max(n, 1) ** -0.22));
  const grow = Math.min(2.5, Math.max(1, Math.max(zoom, 1) ** 0.3));
  return base * grow;
}

/** "#rrggbb" or "#rgb" → [r, g, b] bytes; anything else → a neutral blue. */
export function parseColor(text) {
  const s = String(text ?? "").trim();
  let m = /^#?([0-9a-f]{6})$/i.exec(s);
  if (m) {
    const v = parseInt(m[1], 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }
  m = /^#?([0-9a-f]{3})$/i.exec(s);
  if (m) return [...m[1]].map((h) => parseInt(h + h, 16));
  return [59, 110, 168];
}

export class MapRenderer {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{onContextLost?: () => void, onContextRestored?: () => void}} [hooks]
   */
  constructor(canvas, hooks = {}) {
    this.canvas = canvas;
    this.hooks = hooks;
    this.positions = new Float32Array(0);
    this.codes = null;
    this.palette = ["#3b6ea8"];
    this.flags = null;
    this.selectedCount = 0;
    this.selectedIndices = new Uint32Array(0);
    /** Bumped by every selection change (which a cached picture is drawn over). */
    this.selectionVersion = 0;
    /** Bumped by every change that alters the picture for a given view (not the view). */
    this.version = 0;
    this.probe = new Uint8Array(4);
    /** What the offscreen texture holds: null, or {view, version, width, height, drawn}. */
    this.cache = null;
    this.lost = false;
    this.onLost = (event) => {
      event.preventDefault(); // allows the browser to restore the context later
      this.lost = true;
      this.gl = null;
      this.hooks.onContextLost?.();
    };
    this.onRestored = () => {
      this.lost = false;
      this.init();
      this.hooks.onContextRestored?.();
    };
    canvas.addEventListener("webglcontextlost", this.onLost);
    canvas.addEventListener("webglcontextrestored", this.onRestored);
    this.init();
  }

  /** Whether the map can draw (WebGL2 present and the context not lost). */
  get ok() {
    return this.gl != null && !this.lost;
  }

  init() {
    const gl = this.canvas.getContext("webgl2", {
      antialias: false,
      alpha: true,
      premultipliedAlpha: true,
      preserveDrawingBuffer: false, // a copy per frame costs ~20% on software GL; read pixels via screenshots
    });
    this.gl = gl;
    if (!gl) return;
    const program = link(gl, VERTEX, FRAGMENT);
    this.program = program;
    this.loc = {
      pos: gl.getAttribLocation(program, "a_pos"),
      code: gl.getAttribLocation(program, "a_code"),
      sel: gl.getAttribLocation(program, "a_sel"),
    };
    this.u = {};
    for (const name of [
      "u_center",
      "u_scale",
      "u_size",
      "u_sel_size",
      "u_outline_px",
      "u_pass",
      "u_palette",
      "u_outline_color",
    ]) {
      this.u[name] = gl.getUniformLocation(program, name);
    }
    this.vao = gl.createVertexArray();
    this.posBuffer = gl.createBuffer();
    this.codeBuffer = gl.createBuffer();
    this.selBuffer = gl.createBuffer();
    this.paletteTexture = gl.createTexture();
    this.blit = link(gl, BLIT_VERTEX, BLIT_FRAGMENT);
    this.blitRect = gl.getUniformLocation(this.blit, "u_rect");
    this.blitImage = gl.getUniformLocation(this.blit, "u_image");
    this.blitFade = gl.getUniformLocation(this.blit, "u_fade");
    this.selIndexBuffer = gl.createBuffer();
    this.blitVao = gl.createVertexArray();
    this.cacheTexture = null;
    this.cacheFbo = null;
    this.cacheSize = [0, 0];
    this.cache = null;
    this.maxSize = Math.min(
      gl.getParameter(gl.MAX_TEXTURE_SIZE),
      ...gl.getParameter(gl.MAX_VIEWPORT_DIMS),
    );
    this.software = isSoftwareRenderer(gl);
    this.splatBuffer = null;
    this.selectionTexture = null;
    this.selectionTextureSize = "";
    this.selectionKey = null;
    this.version++;
    this.uploadPositions();
    this.uploadCodes();
    this.uploadPalette();
    this.uploadFlags();
  }

  /** @param {Float32Array} xy interleaved positions */
  setPoints(xy) {
    this.positions = xy;
    this.version++;
    this.uploadPositions();
  }

  /** @param {Uint8Array|Uint16Array|null} codes one per point, or null for code 0 everywhere */
  setCodes(codes) {
    this.codes = codes && codes.length > 0 ? codes : null;
    this.version++;
    this.uploadCodes();
  }

  /** @param {string[]} colors "#rrggbb" per code */
  setPalette(colors) {
    this.palette = colors && colors.length > 0 ? colors : ["#3b6ea8"];
    this.version++;
    this.uploadPalette();
  }

  /**
   * @param {Uint8Array|null} flags 1 for a selected point, one per point
   * @param {number} count number of selected points (0: draw in one plain pass)
   */
  setSelection(flags, count, indices = null) {
    this.flags = flags;
    this.selectedCount = count;
    this.selectedIndices = indices ?? new Uint32Array(0);
    this.selectionVersion++;
    // A cached picture holds the points without selection: a selection is drawn over it
    // (the picture faded, the selected points on top), so it does not invalidate the cache.
    if (!this.caching) this.version++;
    this.uploadFlags();
  }

  uploadPositions() {
    const gl = this.gl;
    if (!gl) return;
    gl.bindVertexArray(this.vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.posBuffer);
    gl.bufferData(gl.ARRAY_BUFFER, this.positions, gl.STATIC_DRAW);
    gl.enableVertexAttribArray(this.loc.pos);
    gl.vertexAttribPointer(this.loc.pos, 2, gl.FLOAT, false, 0, 0);
    gl.bindVertexArray(null);
  }

  uploadCodes() {
    const gl = this.gl;
    if (!gl || this.loc.code < 0) return;
    gl.bindVertexArray(this.vao);
    if (this.codes) {
      gl.bindBuffer(gl.ARRAY_BUFFER, this.codeBuffer);
      gl.bufferData(gl.ARRAY_BUFFER, this.codes, gl.STATIC_DRAW);
      const type = this.codes instanceof Uint16Array ? gl.UNSIGNED_SHORT : gl.UNSIGNED_BYTE;
      gl.vertexAttribPointer(this.loc.code, 1, type, false, 0, 0);
    }
    gl.bindVertexArray(null);
  }

  uploadFlags() {
    const gl = this.gl;
    if (!gl || this.loc.sel < 0) return;
    if (this.flags) {
      gl.bindBuffer(gl.ARRAY_BUFFER, this.selBuffer);
      gl.bufferData(gl.ARRAY_BUFFER, this.flags, gl.DYNAMIC_DRAW);
    }
    // An index buffer may only ever be bound as one (WebGL); its binding is the VAO's.
    gl.bindVertexArray(this.vao);
    gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, this.selIndexBuffer);
    gl.bufferData(gl.ELEMENT_ARRAY_BUFFER, this.selectedIndices, gl.DYNAMIC_DRAW);
    gl.bindVertexArray(null);
  }

  uploadPalette() {
    const gl = this.gl;
    if (!gl) return;
    const rows = Math.max(1, Math.ceil(this.palette.length / 256));
    const data = new Uint8Array(256 * rows * 4);
    this.palette.forEach((color, i) => {
      const [r, g, b] = parseColor(color);
      data.set([r, g, b, 255], i * 4);
    });
    // The same RGBA bytes, one 32-bit word per code, for the JavaScript rasteriser.
    this.packedColors = new Uint32Array(data.buffer, 0, this.palette.length);
    gl.bindTexture(gl.TEXTURE_2D, this.paletteTexture);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, 256, rows, 0, gl.RGBA, gl.UNSIGNED_BYTE, data);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
  }

  /** Sets the drawing-buffer size (device pixels) for a CSS size. */
  resize(cssWidth, cssHeight, dpr) {
    const w = Math.max(1, Math.round(cssWidth * dpr));
    const h = Math.max(1, Math.round(cssHeight * dpr));
    if (this.canvas.width !== w || this.canvas.height !== h || this.dpr !== dpr) this.version++;
    if (this.canvas.width !== w) this.canvas.width = w;
    if (this.canvas.height !== h) this.canvas.height = h;
    this.dpr = dpr;
  }

  /** Whether frames of the current points go through the offscreen cache. */
  get caching() {
    const n = this.positions.length >> 1;
    return n >= (this.software ? SOFTWARE_CACHE_MIN_POINTS : CACHE_MIN_POINTS);
  }

  /**
   * Waits for the GPU to finish the frame (only for measuring: it stalls the page). Chromium
   * may return from finish() before a software rasteriser is done, so one pixel is read back
   * too, which cannot complete before the frame has.
   */
  finish() {
    const gl = this.gl;
    if (!gl || this.lost) return;
    gl.finish();
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, this.probe);
  }

  /** The offscreen texture and framebuffer, (re)made at w × h device pixels. */
  cacheTarget(w, h) {
    const gl = this.gl;
    if (this.cacheTexture && this.cacheSize[0] === w && this.cacheSize[1] === h) return true;
    if (!this.cacheTexture) {
      this.cacheTexture = gl.createTexture();
      this.cacheFbo = gl.createFramebuffer();
    }
    gl.bindTexture(gl.TEXTURE_2D, this.cacheTexture);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, w, h, 0, gl.RGBA, gl.UNSIGNED_BYTE, null);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    gl.bindFramebuffer(gl.FRAMEBUFFER, this.cacheFbo);
    gl.framebufferTexture2D(
      gl.FRAMEBUFFER,
      gl.COLOR_ATTACHMENT0,
      gl.TEXTURE_2D,
      this.cacheTexture,
      0,
    );
    const complete = gl.checkFramebufferStatus(gl.FRAMEBUFFER) === gl.FRAMEBUFFER_COMPLETE;
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    this.cacheSize = complete ? [w, h] : [0, 0];
    return complete;
  }

  /**
   * Draws the cached picture moved and scaled to `view` (empty where the cache does not
   * reach). Returns false, drawing nothing, when there is no up-to-date cache.
   * @param {{x0: number, x1: number, y0: number, y1: number}} view
   * @returns {boolean}
   */
  drawCached(view) {
    const c = this.cache;
    if (!this.gl || this.lost || !c || c.version !== this.version) return false;
    this.composite(view, c.size);
    return true;
  }

  /** The cached picture moved to `view`, faded under the selected points when there are any. */
  composite(view, sizeCss) {
    const gl = this.gl;
    const c = this.cache;
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    const selecting = this.selectedIndices.length > 0;
    const rect = clipRect(c.view, view);
    const smooth = !sameRange(c.rendered, view);
    this.copyTexture(this.cacheTexture, rect, smooth, selecting ? 1 : 0);
    if (!selecting) return;
    if (this.software) {
      // WebGL on the CPU pays ~2 µs a point: the selection is rasterised here too, into a
      // picture over the cache's area, and moves with it.
      this.splatSelection(sizeCss);
      this.copyTexture(this.selectionTexture, rect, smooth, 0, true);
    } else {
      this.drawSelected(view, sizeCss);
    }
  }

  /** The selected points, rasterised into `selectionTexture` over the cache's area. */
  splatSelection(sizeCss) {
    const gl = this.gl;
    const c = this.cache;
    const [width, height] = this.cacheSize;
    const key = `${this.selectionVersion} ${c.version} ${sizeCss} ${width} ${height} ${JSON.stringify(c.view)}`;
    if (this.selectionKey === key) return;
    this.selectionKey = key;
    const dpr = this.dpr || 1;
    if (!this.selectionTexture || this.selectionTextureSize !== `${width}x${height}`) {
      this.selectionTexture ??= gl.createTexture();
      this.selectionTextureSize = `${width}x${height}`;
      gl.bindTexture(gl.TEXTURE_2D, this.selectionTexture);
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, width, height, 0, gl.RGBA, gl.UNSIGNED_BYTE, null);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    }
    this.splatInto(
      this.selectionTexture,
      c.view,
      width,
      height,
      sizeCss * dpr * 1.35 + 2.5 * dpr, // the shader's selected size and outline
      { indices: this.selectedIndices, outline: 1.25 * dpr, outlineColor: OUTLINE_RGBA[0] },
    );
  }

  /** Only the selected points (an index list: k vertices, not n), drawn on top. */
  drawSelected(view, sizeCss) {
    const gl = this.gl;
    gl.useProgram(this.program);
    gl.bindVertexArray(this.vao);
    this.setPointState(view, sizeCss, true);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    gl.uniform1i(this.u.u_pass, 2);
    gl.drawElements(gl.POINTS, this.selectedIndices.length, gl.UNSIGNED_INT, 0);
    gl.bindVertexArray(null);
  }

  /**
   * Draws a picture (the cache, or the selection over it) into the clip rectangle `rect` of
   * the canvas; `over`: blended over what is there (premultiplied colours).
   */
  copyTexture(texture, rect, smooth, fade = 0, over = false) {
    const gl = this.gl;
    if (over) {
      gl.enable(gl.BLEND);
      gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    } else {
      gl.disable(gl.BLEND); // the texture holds premultiplied colours already
    }
    gl.useProgram(this.blit);
    gl.bindVertexArray(this.blitVao);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, texture);
    const filter = smooth ? gl.LINEAR : gl.NEAREST;
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, filter);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, filter);
    gl.uniform1i(this.blitImage, 0);
    gl.uniform1f(this.blitFade, fade);
    gl.uniform4f(this.blitRect, rect[0], rect[1], rect[2], rect[3]);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    gl.bindVertexArray(null);
  }

  /**
   * Draws one frame of points (through the offscreen cache for large maps).
   * @param {{x0: number, x1: number, y0: number, y1: number}} view data range shown
   * @param {number} sizeCss point diameter in CSS pixels
   * @returns {number} number of points drawn, or -1 when nothing could be drawn
   */
  draw(view, sizeCss) {
    const gl = this.gl;
    if (!gl || this.lost) return -1;
    const n = this.positions.length >> 1;
    const w = this.canvas.width,
      h = this.canvas.height;
    if (n > 0 && this.caching) {
      const c = this.cache;
      // Only a change of points, colours, size or view needs the points drawn again; a new
      // selection is drawn over the picture already made.
      const current =
        c && c.version === this.version && c.size === sizeCss && sameRange(c.rendered, view);
      if (current) {
        this.composite(view, sizeCss);
        return n;
      }
      const frame = cacheFrame(view, w, h, this.maxSize);
      if (this.cacheTarget(frame.width, frame.height)) {
        if (this.splats(sizeCss)) this.splatCache(frame, sizeCss);
        else {
          gl.bindFramebuffer(gl.FRAMEBUFFER, this.cacheFbo);
          this.drawPoints(frame.view, sizeCss, frame.width, frame.height, true);
        }
        this.cache = {
          view: frame.view,
          rendered: view,
          version: this.version,
          drawn: n,
          size: sizeCss,
        };
        this.composite(view, sizeCss);
        return n;
      }
    }
    this.cache = null;
    return this.drawPoints(view, sizeCss, w, h);
  }

  /** Whether the cached picture is rasterised by JavaScript (software WebGL, small points). */
  splats(sizeCss) {
    return this.software && sizeCss * (this.dpr || 1) < SPLAT_MAX_SIZE;
  }

  /** Rasterises the points into the cache texture on the CPU (see point_splat.js). */
  splatCache(frame, sizeCss) {
    const size = sizeCss * (this.dpr || 1);
    this.splatInto(this.cacheTexture, frame.view, frame.width, frame.height, size);
  }

  /**
   * Rasterises points with point_splat.js and uploads them into `texture`, whose storage is
   * width × height RGBA already. `options`: point_splat's (indices, outline).
   */
  splatInto(texture, view, width, height, size, options = undefined) {
    const gl = this.gl;
    if (this.splatBuffer === null || this.splatBuffer.length !== width * height * 4)
      this.splatBuffer = new Uint8Array(width * height * 4);
    splatPoints(
      this.positions,
      this.codes,
      this.packedColors,
      view,
      width,
      height,
      size,
      this.splatBuffer,
      options,
    );
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    gl.texSubImage2D(
      gl.TEXTURE_2D,
      0,
      0,
      0,
      width,
      height,
      gl.RGBA,
      gl.UNSIGNED_BYTE,
      this.splatBuffer,
    );
  }

  /** Draws the points of `view` into the bound framebuffer, w × h device pixels; `plain`:
   * without the selection (the cached picture, which a selection is drawn over). */
  drawPoints(view, sizeCss, w, h, plain = false) {
    const gl = this.gl;
    const dpr = this.dpr || 1;
    const n = this.positions.length >> 1;
    gl.viewport(0, 0, w, h);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    if (n === 0) return 0;

    gl.useProgram(this.program);
    gl.bindVertexArray(this.vao);
    const selecting =
      !plain && this.selectedCount > 0 && this.flags !== null && this.flags.length >= n;
    this.setPointState(view, sizeCss, selecting);
    const size = sizeCss * dpr;

    // Small opaque points need no blending (a measurable saving on software GL).
    if (selecting || size >= 5) gl.enable(gl.BLEND);
    else gl.disable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    if (selecting) {
      gl.uniform1i(this.u.u_pass, 1);
      gl.drawArrays(gl.POINTS, 0, n);
      gl.uniform1i(this.u.u_pass, 2);
      gl.drawArrays(gl.POINTS, 0, n);
    } else {
      gl.uniform1i(this.u.u_pass, 0);
      gl.drawArrays(gl.POINTS, 0, n);
    }
    gl.bindVertexArray(null);
    return n;
  }

  /** Attributes and uniforms shared by every point pass. */
  setPointState(view, sizeCss, selecting) {
    const gl = this.gl;
    const dpr = this.dpr || 1;
    const n = this.positions.length >> 1;
    if (!this.codes || this.codes.length < n) {
      gl.disableVertexAttribArray(this.loc.code);
      gl.vertexAttrib1f(this.loc.code, 0);
    } else {
      gl.enableVertexAttribArray(this.loc.code);
    }
    if (selecting) {
      gl.bindBuffer(gl.ARRAY_BUFFER, this.selBuffer);
      gl.enableVertexAttribArray(this.loc.sel);
      gl.vertexAttribPointer(this.loc.sel, 1, gl.UNSIGNED_BYTE, false, 0, 0);
    } else {
      gl.disableVertexAttribArray(this.loc.sel);
      gl.vertexAttrib1f(this.loc.sel, 0);
    }
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, this.paletteTexture);
    gl.uniform1i(this.u.u_palette, 0);
    gl.uniform2f(this.u.u_center, (view.x0 + view.x1) / 2, (view.y0 + view.y1) / 2);
    gl.uniform2f(this.u.u_scale, 2 / (view.x1 - view.x0), 2 / (view.y1 - view.y0));
    const size = sizeCss * dpr;
    gl.uniform1f(this.u.u_size, size);
    gl.uniform1f(this.u.u_sel_size, size * 1.35 + 2.5 * dpr);
    gl.uniform1f(this.u.u_outline_px, 1.25 * dpr);
    gl.uniform4f(this.u.u_outline_color, ...OUTLINE_RGBA[1]);
  }

  dispose() {
    this.canvas.removeEventListener("webglcontextlost", this.onLost);
    this.canvas.removeEventListener("webglcontextrestored", this.onRestored);
    const gl = this.gl;
    if (!gl) return;
    gl.deleteBuffer(this.posBuffer);
    gl.deleteBuffer(this.codeBuffer);
    gl.deleteBuffer(this.selBuffer);
    gl.deleteTexture(this.paletteTexture);
    if (this.cacheTexture) gl.deleteTexture(this.cacheTexture);
    if (this.selectionTexture) gl.deleteTexture(this.selectionTexture);
    if (this.cacheFbo) gl.deleteFramebuffer(this.cacheFbo);
    gl.deleteVertexArray(this.blitVao);
    gl.deleteProgram(this.blit);
    gl.deleteVertexArray(this.vao);
    gl.deleteProgram(this.program);
    // Browsers cap live contexts per page; give this one back now rather than at GC.
    gl.getExtension("WEBGL_lose_context")?.loseContext();
    this.gl = null;
  }
}

/** Whether WebGL runs on a CPU rasteriser (no GPU), where per-point costs are high. */
function isSoftwareRenderer(gl) {
  const software = /swiftshader|llvmpipe|softpipe|software/i;
  if (software.test(gl.getParameter(gl.RENDERER))) return true;
  // Older browsers mask RENDERER; the debug extension (deprecated where it is not) tells.
  const info = gl.getExtension("WEBGL_debug_renderer_info");
  return info !== null && software.test(gl.getParameter(info.UNMASKED_RENDERER_WEBGL));
}

function sameRange(a, b) {
  return a.x0 === b.x0 && a.x1 === b.x1 && a.y0 === b.y0 && a.y1 === b.y1;
}

function compile(gl, type, source) {
  const shader = gl.createShader(type);
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS) && !gl.isContextLost()) {
    const log = gl.getShaderInfoLog(shader);
    gl.deleteShader(shader);
    throw new Error(`latent_magic: shader failed to compile: ${log}`);
  }
  return shader;
}

function link(gl, vertexSource, fragmentSource) {
  const program = gl.createProgram();
  const vs = compile(gl, gl.VERTEX_SHADER, vertexSource);
  const fs = compile(gl, gl.FRAGMENT_SHADER, fragmentSource);
  gl.attachShader(program, vs);
  gl.attachShader(program, fs);
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS) && !gl.isContextLost()) {
    throw new Error(`latent_magic: shader failed to link: ${gl.getProgramInfoLog(program)}`);
  }
  gl.deleteShader(vs);
  gl.deleteShader(fs);
  return program;
}
