package dev.loopline.feedback.topology;

import dev.loopline.avro.Correction;
import dev.loopline.avro.LabelSource;
import dev.loopline.feedback.serde.AvroMessageSerde;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the collector remembers about the corrections of one event: the current winner (latest
 * correctedAt, ties broken by the later offset), when it arrived, and what was last written to
 * {@code feedback} for it, so a change of winner or a late prediction can update the record and the
 * stats can move their counts instead of double counting.
 *
 * @param winner the winning correction
 * @param offset its offset on the corrections topic ({@code -1} for a synthetic IMPLICIT one)
 * @param arrivedAt stream time when the winner arrived; held corrections expire relative to it
 * @param winnerEmitted whether a feedback record has been written for this winner
 * @param emitted what the last feedback record said (null if none was written)
 */
public record CorrectionState(
    Correction winner, long offset, long arrivedAt, boolean winnerEmitted, Emitted emitted) {

  /**
   * The parts of a written feedback record that stats depend on.
   *
   * @param label the label written
   * @param source its source
   * @param correctedAt when it was labeled (epoch ms)
   * @param modelName the predicting model, null when the record had no prediction
   * @param modelVersion the predicting version
   * @param predictedLabel what the model predicted
   * @param predictedAt the prediction's timestamp (epoch ms): stats windows are by prediction time
   */
  public record Emitted(
      String label,
      LabelSource source,
      long correctedAt,
      String modelName,
      int modelVersion,
      String predictedLabel,
      long predictedAt) {

    boolean hasPrediction() {
      return modelName != null;
    }
  }

  /** Whether {@code candidate} (at {@code candidateOffset}) replaces the current winner. */
  boolean losesTo(Correction candidate, long candidateOffset) {
    boolean mineImplicit = winner.getSource() == LabelSource.IMPLICIT;
    boolean theirsImplicit = candidate.getSource() == LabelSource.IMPLICIT;
    if (mineImplicit != theirsImplicit) {
      return mineImplicit; // a human label always beats an inferred one
    }
    int byTime = candidate.getCorrectedAt().compareTo(winner.getCorrectedAt());
    if (byTime != 0) {
      return byTime > 0;
    }
    return candidateOffset > offset;
  }

  CorrectionState withEmitted(Emitted e) {
    return new CorrectionState(winner, offset, arrivedAt, true, e);
  }

  /** Binary serde for the corrections store. */
  public static final class StateSerde implements Serde<CorrectionState> {
    private static final byte FORMAT = 1;
    private final AvroMessageSerde<Correction> correctionSerde =
        AvroMessageSerde.of(Correction.class);

    @Override
    public Serializer<CorrectionState> serializer() {
      return (topic, s) -> s == null ? null : write(s);
    }

    @Override
    public Deserializer<CorrectionState> deserializer() {
      return (topic, bytes) -> bytes == null ? null : read(bytes);
    }

    private byte[] write(CorrectionState s) {
      try {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(FORMAT);
        out.writeLong(s.offset());
        out.writeLong(s.arrivedAt());
        out.writeBoolean(s.winnerEmitted());
        byte[] c = correctionSerde.encode(s.winner());
        out.writeInt(c.length);
        out.write(c);
        Emitted e = s.emitted();
        out.writeBoolean(e != null);
        if (e != null) {
          out.writeUTF(e.label());
          out.writeUTF(e.source().name());
          out.writeLong(e.correctedAt());
          out.writeBoolean(e.hasPrediction());
          if (e.hasPrediction()) {
            out.writeUTF(e.modelName());
            out.writeInt(e.modelVersion());
            out.writeUTF(e.predictedLabel());
            out.writeLong(e.predictedAt());
          }
        }
        out.flush();
        return bytes.toByteArray();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private CorrectionState read(byte[] bytes) {
      try {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        byte format = in.readByte();
        if (format != FORMAT) {
          throw new SerializationException("unknown correction-state format " + format);
        }
        long offset = in.readLong();
        long arrivedAt = in.readLong();
        boolean winnerEmitted = in.readBoolean();
        byte[] c = new byte[in.readInt()];
        in.readFully(c);
        Correction winner = correctionSerde.decode(c);
        Emitted e = null;
        if (in.readBoolean()) {
          String label = in.readUTF();
          LabelSource source = LabelSource.valueOf(in.readUTF());
          long correctedAt = in.readLong();
          if (in.readBoolean()) {
            e =
                new Emitted(
                    label,
                    source,
                    correctedAt,
                    in.readUTF(),
                    in.readInt(),
                    in.readUTF(),
                    in.readLong());
          } else {
            e = new Emitted(label, source, correctedAt, null, 0, null, 0L);
          }
        }
        return new CorrectionState(winner, offset, arrivedAt, winnerEmitted, e);
      } catch (IOException e) {
        throw new SerializationException("cannot read correction state", e);
      }
    }
  }
}
