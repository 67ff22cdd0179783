package dev.loopline.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

/** The shared primitives against Avro's own encoder, and the wire-format header. */
class AvroBinaryReaderTest {

  private static final class Reader extends AvroBinaryReader {
    Reader(byte[] data) {
      reset(data, 0);
    }
  }

  @Test
  void readsWhatAvrosEncoderWrites() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
    int[] ints = {0, -1, 1, 63, -64, 64, Integer.MAX_VALUE, Integer.MIN_VALUE};
    long[] longs = {0, -1, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE};
    double[] doubles = {0.0, -1.5, Math.PI, Double.MIN_VALUE, Double.NaN};
    for (int i : ints) {
      enc.writeInt(i);
    }
    for (long l : longs) {
      enc.writeLong(l);
    }
    for (double d : doubles) {
      enc.writeDouble(d);
    }
    enc.writeString("Grüße, 世界");
    enc.writeString("skipped");
    enc.writeBoolean(true);
    enc.writeBoolean(false);
    enc.flush();
    Reader r = new Reader(out.toByteArray());
    for (int i : ints) {
      assertThat(r.varInt()).isEqualTo(i);
    }
    for (long l : longs) {
      assertThat(r.varLong()).isEqualTo(l);
    }
    for (double d : doubles) {
      assertThat(Double.doubleToRawLongBits(r.doubleValue()))
          .isEqualTo(Double.doubleToRawLongBits(d));
    }
    assertThat(r.string()).isEqualTo("Grüße, 世界");
    r.skipString();
    assertThat(r.bool()).isTrue();
    assertThat(r.bool()).isFalse();
    assertThat(r.p).isEqualTo(out.size());
  }

  @Test
  void malformedBytesThrow() {
    byte[] overlongInt = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0};
    assertThatThrownBy(() -> new Reader(overlongInt).varInt()).hasMessageContaining("invalid int");
    byte[] stringPastTheEnd = {10, 'a', 'b'}; // length 5, two bytes left
    assertThatThrownBy(() -> new Reader(stringPastTheEnd).string())
        .hasMessageContaining("length 5");
    byte[] negativeLength = {1}; // zig-zag -1
    assertThatThrownBy(() -> new Reader(negativeLength).skipString())
        .hasMessageContaining("length -1");
    assertThatThrownBy(() -> new Reader(new byte[7]).doubleValue())
        .hasMessageContaining("double past the end");
    assertThatThrownBy(() -> new Reader(new byte[] {(byte) 0x80}).varLong())
        .isInstanceOf(ArrayIndexOutOfBoundsException.class);
  }

  @Test
  void schemaIdOfTheWireFormatHeader() {
    assertThat(AvroBinaryReader.schemaId(new byte[] {0, 0, 0, 1, 2, 99})).isEqualTo(258);
    assertThat(AvroBinaryReader.schemaId(new byte[] {0, 0x7f, 0, 0, 0})).isEqualTo(0x7f000000);
    assertThat(AvroBinaryReader.schemaId(new byte[] {1, 0, 0, 0, 1})).isEqualTo(-1);
    assertThat(AvroBinaryReader.schemaId(new byte[] {0, 0, 0, 1})).isEqualTo(-1);
    assertThat(AvroBinaryReader.schemaId(null)).isEqualTo(-1);
  }
}
