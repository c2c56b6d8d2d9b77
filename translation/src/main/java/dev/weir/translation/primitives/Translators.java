package dev.weir.translation.primitives;

import java.util.Map;
import org.apache.beam.sdk.util.construction.PTransformTranslation;
import org.apache.beam.sdk.util.construction.SplittableParDo;

/** The translator of each Beam primitive Weir runs, by URN. */
public final class Translators {

  private Translators() {}

  private static final Map<String, TransformTranslator> BY_URN =
      Map.ofEntries(
          Map.entry(
              SplittableParDo.SPLITTABLE_GBKIKWI_URN, SplittableTranslators::intoKeyedWorkItems),
          Map.entry(SplittableParDo.SPLITTABLE_PROCESS_URN, SplittableTranslators::processElements),
          Map.entry(PTransformTranslation.IMPULSE_TRANSFORM_URN, SourceTranslators::impulse),
          Map.entry(PTransformTranslation.READ_TRANSFORM_URN, SourceTranslators::read),
          Map.entry(PTransformTranslation.TEST_STREAM_TRANSFORM_URN, SourceTranslators::testStream),
          Map.entry(PTransformTranslation.PAR_DO_TRANSFORM_URN, ParDoTranslator::translate),
          Map.entry(
              PTransformTranslation.GROUP_BY_KEY_TRANSFORM_URN, GroupByKeyTranslator::translate),
          Map.entry(PTransformTranslation.FLATTEN_TRANSFORM_URN, StructuralTranslators::flatten),
          Map.entry(
              PTransformTranslation.ASSIGN_WINDOWS_TRANSFORM_URN,
              StructuralTranslators::assignWindows));

  /** The translator for a primitive's URN, or {@code null}. */
  public static TransformTranslator forUrn(String urn) {
    return urn == null ? null : BY_URN.get(urn);
  }

  /** The translator of Weir's own view primitive. */
  public static TransformTranslator materializeView() {
    return StructuralTranslators::materializeView;
  }
}
