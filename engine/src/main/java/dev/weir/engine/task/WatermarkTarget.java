package dev.weir.engine.task;

/**
 * Something downstream of an operator that receives its watermarks: a chained operator or an edge.
 */
interface WatermarkTarget {
  void processWatermark(long watermark) throws Exception;
}
