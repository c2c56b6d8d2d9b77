package dev.weir.translation.primitives;

import java.util.Map;
import org.apache.beam.sdk.util.construction.PTransformTranslation;

/** The translator of each Beam primitive Weir runs, by URN. */
public final class Translators {

  private Translators() {}

  private static final Map<String, TransformTranslator> BY_URN = Map.of(
      PTransformTranslation.IMPULSE_TRANSFORM_URN, SourceTranslators::impulse,
      PTransformTranslation.READ_TRANSFORM_URN, SourceTranslators::read,
      PTransformTranslation.TEST_STREAM_TRANSFORM_URN, SourceTranslators::testStream,
      PTransformTranslation.PAR_DO_TRANSFORM_URN, ParDoTranslator::translate,
      PTransformTranslation.GROUP_BY_KEY_TRANSFORM_URN, GroupByKeyTranslator::translate,
      PTransformTranslation.FLATTEN_TRANSFORM_URN, StructuralTranslators::flatten,
      PTransformTranslation.ASSIGN_WINDOWS_TRANSFORM_URN, StructuralTranslators::assignWindows);

  /** The translator for a primitive's URN, or {@code null}. */
  public static TransformTranslator forUrn(String urn) {
    return urn == null ? null : BY_URN.get(urn);
  }

  /** The translator of Weir's own view primitive. */
  public static TransformTranslator materializeView() {
    return StructuralTranslators::materializeView;
  }
}
