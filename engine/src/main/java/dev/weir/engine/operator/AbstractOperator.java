package dev.weir.engine.operator;

/** Keeps the context and forwards watermarks unchanged; most operators start here. */
public abstract class AbstractOperator<IN, OUT> implements Operator<IN, OUT> {

  protected OperatorContext<OUT> context;
  protected Output<OUT> output;

  @Override
  public void open(OperatorContext<OUT> context) throws Exception {
    this.context = context;
    this.output = context.output();
  }

  @Override
  public void processWatermark(long watermark) throws Exception {
    context.emitWatermark(watermark);
  }
}
