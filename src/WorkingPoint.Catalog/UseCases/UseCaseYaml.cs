using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Workloads;
using YamlDotNet.RepresentationModel;

namespace WorkingPoint.Catalog.UseCases;

/// <summary>
/// Reads a use-case file (schema in docs/usecase-schema.md). Every error names the file, the line, the field and the fix:
/// unknown fields, unknown models, impossible numbers and targets that contradict each other or the rates asked for.
/// </summary>
public static class UseCaseYaml
{
    public const string DefaultReference = "jetson-orin-nano-8gb";

    /// <summary>The most workloads one use case may list: a product runs a handful; each costs one prediction per platform.</summary>
    public const int MaxWorkloads = 256;

    /// <summary>The most input sizes one workload's distribution may list.</summary>
    public const int MaxInputSizes = 64;

    // Plausible ranges, wide enough for any product and narrow enough to catch a unit error or a typo.
    private const double MaxFps = 10_000;
    private const double MaxRequestsPerHour = 3_600_000; // a thousand a second
    private const int MaxTokens = 1 << 20;
    private const int MaxImages = 64;
    private const double MaxAudioSeconds = 3600;
    private const double MaxBatteryWh = 100_000;
    private const double MaxWatts = 10_000;
    private const double MaxUsd = 10_000_000;
    private const double MaxMemoryGiB = 4096;
    private const double MaxMilliseconds = 3_600_000;
    private const double MaxWeight = 1000;

    public static UseCase Load(string path, Catalog catalog)
    {
        if (!File.Exists(path))
        {
            throw new CatalogException($"{path}: no such use-case file. Check the path; examples/ has smart-camera.yaml, home-assistant.yaml, robot.yaml and battery-sensor.yaml.");
        }

        return Parse(path, YamlReader.ReadFile(path), catalog);
    }

    public static UseCase Parse(string file, string text, Catalog catalog)
    {
        var y = YamlReader.Parse(file, text);
        var root = y.Root;
        y.RejectUnknownKeys(root, string.Empty, "name", "description", "reference", "hoursPerDay", "battery", "workloads", "constraints", "priorities");
        var name = y.RequireString(root, "name", string.Empty);
        var reference = y.String(root, "reference", string.Empty) ?? DefaultReference;
        if (!catalog.Platforms.Any(p => p.Id == reference))
        {
            throw y.Error(y.Get(root, "reference"), $"reference '{reference}' is not a catalog platform; the composite score is normalized to one (default {DefaultReference}). Run 'wpt platforms'.");
        }

        var hours = y.Number(root, "hoursPerDay", string.Empty) ?? 24;
        if (hours is <= 0 or > 24)
        {
            throw y.Error(y.Get(root, "hoursPerDay"), $"hoursPerDay must be more than 0 and at most 24, got {hours}.");
        }

        double? battery = null;
        if (y.Mapping(root, "battery", string.Empty) is { } b)
        {
            y.RejectUnknownKeys(b, "battery", "capacityWh");
            battery = Positive(y, b, "capacityWh", "battery", required: true, max: MaxBatteryWh, unit: "Wh");
        }

        if (y.Get(root, "workloads") is not YamlSequenceNode list || list.Children.Count == 0)
        {
            throw y.Error(y.Get(root, "workloads") ?? root, "'workloads' must be a non-empty list of workloads (each with id and model).");
        }

        if (list.Children.Count > MaxWorkloads)
        {
            throw y.Error(list, $"'workloads' lists {list.Children.Count} workloads; a use case holds at most {MaxWorkloads} (the limit). Split it into several use cases, or merge workloads that run the same model.");
        }

        var workloads = new List<UseCaseWorkload>();
        foreach (var node in list.Children)
        {
            if (node is not YamlMappingNode w)
            {
                throw y.Error(node, "each entry of 'workloads' must be a mapping (id: …, model: …).");
            }

            var workload = Workload(y, w, catalog);
            if (workloads.Any(x => x.Id == workload.Id))
            {
                throw y.Error(w, $"workload id '{workload.Id}' is used twice; ids must be unique.");
            }

            workloads.Add(workload);
        }

        var constraints = new UseCaseConstraints();
        if (y.Mapping(root, "constraints", string.Empty) is { } c)
        {
            y.RejectUnknownKeys(c, "constraints", "power", "unitCostUsd", "memoryGiB", "energyPerDayWh");
            double? sustained = null;
            var passive = false;
            if (y.Mapping(c, "power", "constraints") is { } p)
            {
                y.RejectUnknownKeys(p, "constraints.power", "sustainedW", "passive");
                sustained = Positive(y, p, "sustainedW", "constraints.power", required: true, max: MaxWatts, unit: "W");
                passive = y.Bool(p, "passive", "constraints.power") ?? false;
            }

            constraints = new UseCaseConstraints(sustained, passive, Positive(y, c, "unitCostUsd", "constraints", max: MaxUsd, unit: "USD"), Positive(y, c, "memoryGiB", "constraints", max: MaxMemoryGiB, unit: "GiB"), Positive(y, c, "energyPerDayWh", "constraints", max: MaxBatteryWh, unit: "Wh"));
        }

        var priorities = new Priorities();
        if (y.Mapping(root, "priorities", string.Empty) is { } pr)
        {
            y.RejectUnknownKeys(pr, "priorities", "performance", "power", "cost");
            priorities = new Priorities(NonNegative(y, pr, "performance", "priorities", MaxWeight) ?? 0, NonNegative(y, pr, "power", "priorities", MaxWeight) ?? 0, NonNegative(y, pr, "cost", "priorities", MaxWeight) ?? 0);
            if (priorities.Performance + priorities.Power + priorities.Cost <= 0)
            {
                throw y.Error(pr, "priorities are all 0; give at least one of performance, power, cost a positive weight.");
            }
        }

        if (battery is { } wh && constraints.EnergyPerDayWh is null)
        {
            // A battery product's binding constraint is a day on one charge unless the file says otherwise.
            constraints = constraints with { EnergyPerDayWh = wh };
        }

        return new UseCase(name, y.String(root, "description", string.Empty), file, workloads, constraints, priorities, hours, battery, reference);
    }

    private static UseCaseWorkload Workload(YamlReader y, YamlMappingNode w, Catalog catalog)
    {
        y.RejectUnknownKeys(w, "workloads[]", "id", "model", "weights", "fps", "duty", "input", "inputs", "requestsPerHour", "prompt", "gen", "images", "image", "audioSeconds", "targets", "weight", "runtime");
        var id = y.RequireString(w, "id", "workloads[]");
        var path = $"workloads[{id}]";
        var modelId = y.RequireString(w, "model", path);
        CatalogModel model;
        try
        {
            model = catalog.ResolveModel(modelId);
        }
        catch (CatalogException ex)
        {
            throw y.Error(y.Get(w, "model"), $"{path}.model: {ex.Message}");
        }

        WeightFormat? weights = null;
        if (y.String(w, "weights", path) is { } format)
        {
            weights = WeightFormat.TryParse(format, out var f) ? f : throw y.Error(y.Get(w, "weights"), $"{path}.weights '{format}' is not a weight format; use one of {string.Join(", ", WeightFormat.All.Select(x => x.Id))}.");
        }

        string? runtime = null;
        if (y.String(w, "runtime", path) is { } runtimeId)
        {
            Core.Runtimes.Runtime resolved;
            try
            {
                resolved = catalog.ResolveRuntime(runtimeId);
            }
            catch (CatalogException ex)
            {
                throw y.Error(y.Get(w, "runtime"), $"{path}.runtime: {ex.Message}");
            }

            var kind = model is LlmCatalogModel ? Core.Runtimes.WorkloadKind.Llm : Core.Runtimes.WorkloadKind.Network;
            if (!resolved.Runs.Contains(kind))
            {
                throw y.Error(y.Get(w, "runtime"), $"{path}.runtime: '{resolved.Id}' does not run {(kind == Core.Runtimes.WorkloadKind.Llm ? "LLMs" : "networks")}; choose one that does (wpt runtimes lists them).");
            }

            runtime = runtimeId;
        }

        var targets = Targets(y, w, path);
        var weight = NonNegative(y, w, "weight", path, MaxWeight) ?? 1;
        if (model is LlmCatalogModel llm)
        {
            foreach (var key in new[] { "fps", "duty", "input", "inputs" })
            {
                if (y.Get(w, key) is { } wrong)
                {
                    throw y.Error(wrong, $"{path}.{key}: '{modelId}' is a language or speech model; it takes requestsPerHour, prompt, gen, images, image and audioSeconds, not {key}.");
                }
            }

            if (targets.Fps is not null || targets.LatencyMs is not null)
            {
                throw y.Error(y.Get(w, "targets"), $"{path}.targets: a language model's targets are tokensPerSecond and ttftMs, not fps or latencyMs.");
            }

            var perHour = Positive(y, w, "requestsPerHour", path, required: true, max: MaxRequestsPerHour, unit: "requests an hour")!.Value;
            // A speech model's decoder starts from a handful of task tokens, not a text prompt.
            var prompt = y.Integer(w, "prompt", path, 0, MaxTokens, "tokens") ?? (llm.Architecture.Audio is null ? 512 : 4);
            var gen = y.Integer(w, "gen", path, 0, MaxTokens, "tokens") ?? 128;
            var images = y.Integer(w, "images", path, 0, MaxImages, "images") ?? 0;
            if ((long)prompt + gen > llm.Architecture.MaxContext)
            {
                throw y.Error(y.Get(w, "prompt") ?? y.Get(w, "gen") ?? w, $"{path}: prompt {prompt} + gen {gen} tokens exceed {modelId}'s context of {llm.Architecture.MaxContext} tokens (the limit). Shorten the prompt or the generation.");
            }

            var (iw, ih) = y.String(w, "image", path) is { } image ? Size(y, y.Get(w, "image")!, image, $"{path}.image") : (448, 448);
            if (images > 0 && llm.Architecture.Vision is null)
            {
                throw y.Error(y.Get(w, "images"), $"{path}.images: '{modelId}' has no vision tower; use a VLM (e.g. qwen2.5-vl-3b) or images: 0.");
            }

            var audioSeconds = NonNegative(y, w, "audioSeconds", path, MaxAudioSeconds);
            if (audioSeconds is not null && llm.Architecture.Audio is null)
            {
                throw y.Error(y.Get(w, "audioSeconds"), $"{path}.audioSeconds: '{modelId}' has no audio encoder; use a speech model (e.g. whisper-base).");
            }

            if (llm.Architecture.Audio is not null && audioSeconds is null or 0)
            {
                throw y.Error(w, $"{path}: '{modelId}' is a speech model; give audioSeconds, the length of the clips it transcribes.");
            }

            if (targets.TokensPerSecond is { } tps && gen > 0)
            {
                // One request at a time: each takes at least gen / rate seconds of generation, so the hour must hold them all.
                var secondsPerRequest = (gen / tps) + ((targets.TimeToFirstTokenMs ?? 0) / 1000);
                if (perHour * secondsPerRequest > 3600 * 1.0001)
                {
                    throw y.Error(y.Get(w, "targets"), $"{path}: {perHour} requests an hour of {gen} tokens at the target {tps} tok/s need {perHour * gen / tps / 3600:0.##} hours of generation per hour: the targets contradict the rate. Raise tokensPerSecond or lower requestsPerHour.");
                }
            }

            return new UseCaseWorkload(id, model, weights, ArrivalKind.Requests, 0, 1, [], perHour, new LlmScenario(prompt, gen, 1, images, iw, ih, AudioSeconds: audioSeconds ?? 0).Validate(), targets, weight, runtime) { ModelSource = modelId };
        }

        foreach (var key in new[] { "requestsPerHour", "prompt", "gen", "images", "image", "audioSeconds" })
        {
            if (y.Get(w, key) is { } wrong)
            {
                throw y.Error(wrong, $"{path}.{key}: '{modelId}' is a network; it takes fps, duty and input(s), not {key}.");
            }
        }

        if (targets.TokensPerSecond is not null || targets.TimeToFirstTokenMs is not null)
        {
            throw y.Error(y.Get(w, "targets"), $"{path}.targets: a network's targets are fps and latencyMs, not tokensPerSecond or ttftMs.");
        }

        var fps = Positive(y, w, "fps", path, required: true, max: MaxFps, unit: "frames per second")!.Value;
        var duty = y.Number(w, "duty", path) ?? 1;
        if (duty is <= 0 or > 1)
        {
            throw y.Error(y.Get(w, "duty"), $"{path}.duty must be more than 0 and at most 1 (the share of frames it runs on), got {duty}.");
        }

        if (targets.Fps is { } targetFps && targetFps > (fps * duty) + 1e-9)
        {
            throw y.Error(y.Get(w, "targets"), $"{path}: targets.fps {targetFps} is more than the {fps * duty:0.##} frames per second it is asked to process (fps × duty): the target contradicts the rate.");
        }

        if (targets.LatencyMs is { } latency && targets.Fps is null && latency <= 0)
        {
            throw y.Error(y.Get(w, "targets"), $"{path}.targets.latencyMs must be positive.");
        }

        var inputs = Inputs(y, w, path, model);
        return new UseCaseWorkload(id, model, weights, ArrivalKind.Frames, fps, duty, inputs, 0, new LlmScenario(), targets with { Fps = targets.Fps ?? fps * duty }, weight, runtime) { ModelSource = modelId };
    }

    private static IReadOnlyList<InputShare> Inputs(YamlReader y, YamlMappingNode w, string path, CatalogModel model)
    {
        var graph = ((GraphCatalogModel)model).Model;
        if (y.Get(w, "input") is { } single && y.Get(w, "inputs") is not null)
        {
            throw y.Error(single, $"{path}: give either input (one size) or inputs (a distribution), not both.");
        }

        if (y.String(w, "input", path) is { } size)
        {
            var (iw, ih) = Size(y, y.Get(w, "input")!, size, $"{path}.input");
            return [new InputShare(iw, ih, 1)];
        }

        if (y.Get(w, "inputs") is not { } node)
        {
            return [new InputShare(graph.DefaultWidth, graph.DefaultHeight, 1)];
        }

        if (node is not YamlSequenceNode list || list.Children.Count == 0)
        {
            throw y.Error(node, $"{path}.inputs must be a list of {{ size: WxH, share: 0.8 }}.");
        }

        if (list.Children.Count > MaxInputSizes)
        {
            throw y.Error(node, $"{path}.inputs lists {list.Children.Count} sizes; at most {MaxInputSizes} (the limit). Group similar sizes.");
        }

        var shares = new List<InputShare>();
        foreach (var item in list.Children)
        {
            if (item is not YamlMappingNode m)
            {
                throw y.Error(item, $"{path}.inputs entries are {{ size: WxH, share: 0.8 }}.");
            }

            y.RejectUnknownKeys(m, $"{path}.inputs[]", "size", "share");
            var (iw, ih) = Size(y, m, y.RequireString(m, "size", $"{path}.inputs[]"), $"{path}.inputs[].size");
            shares.Add(new InputShare(iw, ih, Positive(y, m, "share", $"{path}.inputs[]", required: true, max: 1, unit: "of the frames")!.Value));
        }

        var sum = shares.Sum(s => s.Share);
        if (Math.Abs(sum - 1) > 0.01)
        {
            throw y.Error(node, $"{path}.inputs shares add up to {sum:0.###}; they are the fractions of frames at each size and must add up to 1.");
        }

        return shares.Select(s => s with { Share = s.Share / sum }).ToArray();
    }

    private static WorkloadTargets Targets(YamlReader y, YamlMappingNode w, string path)
    {
        if (y.Mapping(w, "targets", path) is not { } t)
        {
            return new WorkloadTargets();
        }

        y.RejectUnknownKeys(t, $"{path}.targets", "fps", "latencyMs", "tokensPerSecond", "ttftMs");
        var field = $"{path}.targets";
        var targets = new WorkloadTargets(Positive(y, t, "fps", field, max: MaxFps, unit: "frames per second"), Positive(y, t, "latencyMs", field, max: MaxMilliseconds, unit: "ms"), Positive(y, t, "tokensPerSecond", field, max: 1_000_000, unit: "tokens per second"), Positive(y, t, "ttftMs", field, max: MaxMilliseconds, unit: "ms"));
        return targets;
    }

    private static (int Width, int Height) Size(YamlReader y, YamlNode node, string text, string field)
    {
        if (InputShapes.TryParseSize(text, out var w, out var h))
        {
            return (w, h);
        }

        throw y.Error(node, $"{field} '{text}' is not a size; write WIDTHxHEIGHT, e.g. 1280x720.");
    }

    private static double? Positive(YamlReader y, YamlMappingNode map, string key, string path, bool required = false, double max = double.MaxValue, string unit = "")
    {
        var value = required ? y.RequireNumber(map, key, path) : y.Number(map, key, path);
        if (value is not (null or > 0))
        {
            throw y.Error(y.Get(map, key), $"'{YamlReader.Join(path, key)}' must be positive, got {value}.");
        }

        return value is { } v ? y.CheckRange(y.Get(map, key), YamlReader.Join(path, key), v, 0, max, unit) : null;
    }

    private static double? NonNegative(YamlReader y, YamlMappingNode map, string key, string path, double max)
    {
        var value = y.Number(map, key, path);
        if (value is not (null or >= 0))
        {
            throw y.Error(y.Get(map, key), $"'{YamlReader.Join(path, key)}' must not be negative, got {value}.");
        }

        return value is { } v ? y.CheckRange(y.Get(map, key), YamlReader.Join(path, key), v, 0, max, string.Empty) : null;
    }
}
