package dev.weir.engine.task;

import dev.weir.engine.exchange.RecordDeserializer;
import dev.weir.engine.graph.KeySelector;

/**
 * What a task needs to know about one input channel: which operator input its records are for, how
 * to read them, and (on HASH edges) how to find their key.
 */
public record InputChannelBinding(
    int input,
    RecordDeserializer<Object> deserializer,
    KeySelector<Object, Object> keySelector,
    boolean excludedFromWatermark) {}
