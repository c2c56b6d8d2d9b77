package dev.weir.translation.primitives;

import dev.weir.translation.context.TranslationContext;
import org.apache.beam.sdk.runners.AppliedPTransform;

/** Translates one Beam primitive into vertices and edges of the job graph. */
@FunctionalInterface
public interface TransformTranslator {
  void translate(AppliedPTransform<?, ?, ?> transform, TranslationContext context) throws Exception;
}
