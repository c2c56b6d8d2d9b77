package dev.weir.engine.task;

import dev.weir.engine.operator.Output;

/** Hands records to a chained operator as objects: no serialization, no copy. */
final class ChainedOutput implements Output<Object>, WatermarkTarget {

  private final OperatorHost target;
  private final int input;

  ChainedOutput(OperatorHost target, int input) {
    this.target = target;
    this.input = input;
  }

  @Override
  public void emit(Object record) {
    try {
      target.processElement(input, record);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new UserCodeException(e);
    }
  }

  @Override
  public void processWatermark(long watermark) throws Exception {
    target.processWatermark(watermark);
  }
}
