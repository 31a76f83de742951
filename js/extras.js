// The page's rarely used parts, bundled apart into static/extras.js (package.json `build`):
// the atlas of decoded pictures, the points' pictures (thumbnails), the strip and grid views,
// the PNG compositing and a big table's density layer. The main bundle asks the kernel for
// them once, when a user first needs one (extras_loader.js); a saved page carries them
// (standalone.js). Protocol: docs/protocol.md ("Extras").

export { AtlasLayer } from "./atlas_layer.js";
export { DensityLayer } from "./density_layer.js";
export { compositeMap, downloadPng, PNG_NAME, shownLayers } from "./png_export.js";
export { StripView } from "./strip_view.js";
export { Thumbnails } from "./thumbnails.js";
