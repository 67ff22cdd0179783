package dev.loopline.feedback.query;

import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;

/**
 * Read-only access to the collector's stores by name: interactive queries on a running app, or a
 * TopologyTestDriver's stores in tests. Timestamped stores are read as plain key-value stores.
 */
public interface StoreAccess {

  <K, V> ReadOnlyKeyValueStore<K, V> keyValue(String name);

  <K, V> ReadOnlyWindowStore<K, V> window(String name);

  /** The local stores of a running Kafka Streams instance (interactive queries). */
  static StoreAccess of(KafkaStreams streams) {
    return new StoreAccess() {
      @Override
      public <K, V> ReadOnlyKeyValueStore<K, V> keyValue(String name) {
        return streams.store(
            StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<K, V>keyValueStore()));
      }

      @Override
      public <K, V> ReadOnlyWindowStore<K, V> window(String name) {
        return streams.store(
            StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<K, V>windowStore()));
      }
    };
  }
}
