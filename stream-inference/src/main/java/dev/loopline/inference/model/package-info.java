/**
 * Hot swap: reference-counted model versions, the holder whose one reference a swap changes, the
 * deployment watcher and the verified load path.
 */
package dev.loopline.inference.model;
