package dev.loopline.model.artifact;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a zip's central directory for what {@link java.util.zip.ZipFile} does not expose: the Unix
 * mode bits that mark an entry as a symbolic link. Zip64 archives are refused (artifacts are far
 * smaller than 4 GiB).
 */
final class ZipCentralDirectory {

  static final int S_IFMT = 0xF000;
  static final int S_IFLNK = 0xA000;
  private static final int EOCD_SIG = 0x06054b50;
  private static final int CEN_SIG = 0x02014b50;
  private static final int UNIX = 3;

  record Entry(String name, boolean symlink, long compressedSize, long size) {}

  private ZipCentralDirectory() {}

  static List<Entry> read(Path zip) throws IOException {
    try (FileChannel ch = FileChannel.open(zip, StandardOpenOption.READ)) {
      long fileSize = ch.size();
      if (fileSize < 22) {
        throw new ArtifactException("not a zip file (too short): " + zip.getFileName());
      }
      int tail = (int) Math.min(fileSize, 22 + 0xFFFF);
      ByteBuffer buf = ByteBuffer.allocate(tail).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, buf, fileSize - tail);
      int eocd = -1;
      for (int i = tail - 22; i >= 0; i--) {
        if (buf.getInt(i) == EOCD_SIG) {
          eocd = i;
          break;
        }
      }
      if (eocd < 0) {
        throw new ArtifactException("not a zip file (no end of central directory)");
      }
      int total = Short.toUnsignedInt(buf.getShort(eocd + 10));
      long cenSize = Integer.toUnsignedLong(buf.getInt(eocd + 12));
      long cenOffset = Integer.toUnsignedLong(buf.getInt(eocd + 16));
      if (total == 0xFFFF || cenSize == 0xFFFFFFFFL || cenOffset == 0xFFFFFFFFL) {
        throw new ArtifactException("zip64 artifacts are not supported");
      }
      if (cenOffset + cenSize > fileSize || cenSize > Integer.MAX_VALUE) {
        throw new ArtifactException("corrupt zip: central directory out of bounds");
      }
      ByteBuffer cen = ByteBuffer.allocate((int) cenSize).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, cen, cenOffset);
      List<Entry> out = new ArrayList<>(total);
      int p = 0;
      for (int i = 0; i < total; i++) {
        if (p + 46 > cenSize || cen.getInt(p) != CEN_SIG) {
          throw new ArtifactException("corrupt zip: bad central directory entry " + i);
        }
        int madeBy = Short.toUnsignedInt(cen.getShort(p + 4));
        long csize = Integer.toUnsignedLong(cen.getInt(p + 20));
        long size = Integer.toUnsignedLong(cen.getInt(p + 24));
        int nameLen = Short.toUnsignedInt(cen.getShort(p + 28));
        int extraLen = Short.toUnsignedInt(cen.getShort(p + 30));
        int commentLen = Short.toUnsignedInt(cen.getShort(p + 32));
        long external = Integer.toUnsignedLong(cen.getInt(p + 38));
        if (p + 46 + nameLen > cenSize) {
          throw new ArtifactException("corrupt zip: entry name out of bounds");
        }
        byte[] name = new byte[nameLen];
        cen.get(p + 46, name);
        int mode = (int) (external >>> 16);
        boolean symlink = (madeBy >>> 8) == UNIX && (mode & S_IFMT) == S_IFLNK;
        out.add(new Entry(new String(name, StandardCharsets.UTF_8), symlink, csize, size));
        p += 46 + nameLen + extraLen + commentLen;
      }
      return out;
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
    long pos = position;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos);
      if (n < 0) {
        throw new ArtifactException("corrupt zip: unexpected end of file");
      }
      pos += n;
    }
  }
}
