/**
 * The topic catalog ({@link dev.loopline.topics.Topics}), topic declarations ({@link
 * dev.loopline.topics.TopicSpec}) and their creation on a cluster ({@link
 * dev.loopline.topics.TopicAdmin}): topics are declared once and created from the declarations.
 */
package dev.loopline.topics;
