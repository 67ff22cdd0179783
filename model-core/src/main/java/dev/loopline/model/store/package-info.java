/**
 * The model store: artifact zips behind a small URI-keyed interface ({@code file:} built in, others
 * via {@link dev.loopline.model.store.ModelStoreProvider}), plus the sha256 that content-addresses
 * them.
 */
package dev.loopline.model.store;
