package dev.loopline.retrain.job;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects every featurized example on one task (parallelism 1) and, when the bounded input ends,
 * runs the {@link TrainingStep}: train, evaluate, gate, publish. It is the one place that asks the
 * TaskManager for GPUs, so the device follows where Flink scheduled the task.
 */
public class TrainOperator extends AbstractStreamOperator<RetrainResult>
    implements OneInputStreamOperator<Example, RetrainResult>, BoundedOneInput {

  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(TrainOperator.class);

  private final RetrainPlan plan;
  private transient List<Example> examples;

  public TrainOperator(RetrainPlan plan) {
    this.plan = plan;
  }

  @Override
  public void open() throws Exception {
    super.open();
    examples = new ArrayList<>();
  }

  @Override
  public void processElement(StreamRecord<Example> element) {
    examples.add(element.getValue());
  }

  @Override
  public void endInput() throws Exception {
    Set<ExternalResourceInfo> gpus = getRuntimeContext().getExternalResourceInfos("gpu");
    String device =
        DeviceChoice.choose(plan.looplineConfig().get(RetrainSettings.DEVICE, "auto"), gpus);
    LOG.info(
        "Training task: {} examples; TaskManager GPUs: {}; training on {}",
        examples.size(),
        DeviceChoice.describe(gpus),
        device);
    String dir = plan.looplineConfig().get(RetrainSettings.WORK_DIR);
    Path base =
        dir == null
            ? Files.createTempDirectory("loopline-retrain-")
            : Files.createDirectories(Path.of(dir));
    Path work = Files.createTempDirectory(base, plan.modelName + "-v" + plan.nextVersion + "-");
    RetrainResult result =
        new TrainingStep(plan, work, device, DeviceChoice.describe(gpus)).run(examples);
    examples = null;
    output.collect(new StreamRecord<>(result));
  }
}
