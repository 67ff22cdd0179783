/**
 * TensorFlow native library bootstrap: one copy of TensorFlow 2.16.1's natives, from the Maven
 * artifact, shared by TensorFlow Java (training) and DJL (serving) in one JVM, never downloaded.
 */
package dev.loopline.model.tf;
