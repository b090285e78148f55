using WorkingPoint.Core;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Measurement.Scenarios;

namespace WorkingPoint.Measurement.OnnxRuntime;

/// <summary>ONNX Runtime's graph optimization levels, by their short names on the command line.</summary>
public enum GraphOptimization
{
    Disabled,
    Basic,
    Extended,
    All,
}

/// <summary>How to run a model.</summary>
/// <param name="ExecutionProvider">cpu, cuda, tensorrt, qnn, … (see <see cref="OnnxRuntimeTarget.AvailableProviders"/>).</param>
/// <param name="IntraOpThreads">Threads inside one operator; null lets ONNX Runtime use one per physical core.</param>
/// <param name="Seed">Seed of the generated input data, so runs are repeatable.</param>
/// <param name="SpinWhenIdle">
/// Whether the intra-op threads spin between runs (ONNX Runtime's default, the fastest for back-to-back runs). Off where other
/// workloads share the cores: a session spinning between paced frames takes their cycles.
/// </param>
public sealed record OnnxRuntimeOptions(
    string ExecutionProvider = "cpu",
    int? IntraOpThreads = null,
    GraphOptimization Optimization = GraphOptimization.All,
    int Seed = 1234,
    bool SpinWhenIdle = true);

/// <summary>One model input as run: its name, element type and concrete shape.</summary>
public sealed record ResolvedInput(string Name, string ElementType, IReadOnlyList<long> Shape);

/// <summary>
/// A model loaded into an ONNX Runtime session with generated inputs, ready to be timed. <see cref="Infer"/> is safe to call from
/// several threads (ONNX Runtime sessions are; the inputs are only read and outputs are allocated per run).
/// </summary>
public sealed class OnnxRuntimeTarget : IInferenceTarget, IDisposable
{
    private static readonly Dictionary<string, string> ProviderNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["cpu"] = "CPUExecutionProvider",
        ["cuda"] = "CUDAExecutionProvider",
        ["tensorrt"] = "TensorrtExecutionProvider",
        ["qnn"] = "QNNExecutionProvider",
        ["openvino"] = "OpenVINOExecutionProvider",
        ["coreml"] = "CoreMLExecutionProvider",
        ["xnnpack"] = "XnnpackExecutionProvider",
        ["rocm"] = "ROCMExecutionProvider",
    };

    private readonly InferenceSession _session;
    private readonly SessionOptions _sessionOptions;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly OrtValue[] _inputValues;
    private readonly string[] _outputNames;

    private OnnxRuntimeTarget(string modelPath, InferenceSession session, SessionOptions options, IReadOnlyList<ResolvedInput> inputs, OrtValue[] values)
    {
        ModelPath = modelPath;
        _session = session;
        _sessionOptions = options;
        Inputs = inputs;
        _inputNames = inputs.Select(i => i.Name).ToArray();
        _inputValues = values;
        _outputNames = session.OutputMetadata.Keys.ToArray();
    }

    public string ModelPath { get; }

    public IReadOnlyList<ResolvedInput> Inputs { get; }

    /// <summary>The output shapes of the first run (after <see cref="Infer"/> has run once).</summary>
    public IReadOnlyList<ResolvedInput> Outputs { get; private set; } = [];

    public static string RuntimeVersion => OrtEnv.Instance().GetVersionString();

    /// <summary>Execution providers this build of ONNX Runtime offers on this machine, by short name.</summary>
    public static IReadOnlyList<string> AvailableProviders =>
        OrtEnv.Instance().GetAvailableProviders().Select(p => ProviderNames.FirstOrDefault(kv => kv.Value == p).Key ?? p).ToArray();

    public static OnnxRuntimeTarget Load(string modelPath, InputShapes shapes, OnnxRuntimeOptions options)
    {
        if (!File.Exists(modelPath))
        {
            throw new MeasurementException($"{modelPath}: no such model file. Check the path, or give a catalog model id (wpt models).");
        }

        var sessionOptions = CreateSessionOptions(options);
        InferenceSession session;
        try
        {
            session = new InferenceSession(modelPath, sessionOptions);
        }
        catch (OnnxRuntimeException ex)
        {
            sessionOptions.Dispose();
            throw new MeasurementException($"{modelPath}: ONNX Runtime cannot load this model ({FirstLine(ex.Message)}). Check that the file is a complete ONNX model (re-export or re-download it).", ex);
        }

        try
        {
            var random = new Random(options.Seed);
            var metadata = session.InputMetadata;
            foreach (var name in shapes.Named.Keys.Where(n => !metadata.ContainsKey(n)))
            {
                throw new InvalidInputException($"--input {name}=…: the model has no input named {name}; its inputs are {string.Join(", ", metadata.Keys)}.");
            }

            var inputs = new List<ResolvedInput>();
            var values = new List<OrtValue>();
            foreach (var (name, meta) in metadata)
            {
                if (!meta.IsTensor)
                {
                    throw new MeasurementException($"{modelPath}: input {name} is not a tensor ({meta.OnnxValueType}); only tensor inputs can be generated.");
                }

                var shape = shapes.Resolve(name, meta.Dimensions.Select(d => (long)d).ToArray(), meta.SymbolicDimensions, metadata.Count == 1);
                values.Add(Generate(meta.ElementDataType, shape, random, name));
                inputs.Add(new ResolvedInput(name, meta.ElementDataType.ToString().ToLowerInvariant(), shape));
            }

            return new OnnxRuntimeTarget(modelPath, session, sessionOptions, inputs, values.ToArray());
        }
        catch
        {
            session.Dispose();
            sessionOptions.Dispose();
            throw;
        }
    }

    public void Infer()
    {
        try
        {
            using var outputs = _session.Run(_runOptions, _inputNames, _inputValues, _outputNames);
            if (Outputs.Count == 0)
            {
                Outputs = outputs.Select((o, i) =>
                {
                    var info = o.GetTensorTypeAndShape();
                    return new ResolvedInput(_outputNames[i], info.ElementDataType.ToString().ToLowerInvariant(), info.Shape);
                }).ToArray();
            }
        }
        catch (OnnxRuntimeException ex)
        {
            var shapes = string.Join(", ", Inputs.Select(i => $"{i.Name}={string.Join('x', i.Shape)}"));
            throw new MeasurementException($"{ModelPath}: inference failed with inputs {shapes} ({FirstLine(ex.Message)}). Check the input shapes (--input name=1x3xHxW).", ex);
        }
    }

    public void Dispose()
    {
        foreach (var value in _inputValues)
        {
            value.Dispose();
        }

        _session.Dispose();
        _sessionOptions.Dispose();
        _runOptions.Dispose();
    }

    private static SessionOptions CreateSessionOptions(OnnxRuntimeOptions options)
    {
        var available = AvailableProviders;
        var provider = options.ExecutionProvider.ToLowerInvariant();
        if (!available.Contains(provider, StringComparer.OrdinalIgnoreCase))
        {
            throw new MeasurementException($"Execution provider '{options.ExecutionProvider}' is not available in this ONNX Runtime build on this machine (available: {string.Join(", ", available)}); install the matching ONNX Runtime package (e.g. Microsoft.ML.OnnxRuntime.Gpu for cuda) or pick one of those.");
        }

        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = options.Optimization switch
            {
                GraphOptimization.Disabled => GraphOptimizationLevel.ORT_DISABLE_ALL,
                GraphOptimization.Basic => GraphOptimizationLevel.ORT_ENABLE_BASIC,
                GraphOptimization.Extended => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                _ => GraphOptimizationLevel.ORT_ENABLE_ALL,
            },
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        if (options.IntraOpThreads is { } threads)
        {
            if (threads < 1)
            {
                sessionOptions.Dispose();
                throw new InvalidInputException($"--threads must be at least 1, got {threads}.");
            }

            sessionOptions.IntraOpNumThreads = threads;
        }

        if (!options.SpinWhenIdle)
        {
            sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        }

        switch (provider)
        {
            case "cpu":
                break;
            case "cuda":
                sessionOptions.AppendExecutionProvider_CUDA(0);
                break;
            case "tensorrt":
                sessionOptions.AppendExecutionProvider_Tensorrt(0);
                break;
            default:
                sessionOptions.AppendExecutionProvider(ProviderNames.GetValueOrDefault(provider, provider).Replace("ExecutionProvider", string.Empty, StringComparison.Ordinal), new Dictionary<string, string>());
                break;
        }

        return sessionOptions;
    }

    /// <summary>Seeded input data: values in [0, 1) for floating point, small non-negative integers (valid token ids, indices) otherwise.</summary>
    private static OrtValue Generate(TensorElementType type, long[] shape, Random random, string name)
    {
        var count = checked((int)shape.Aggregate(1L, (a, b) => a * b));
        return type switch
        {
            TensorElementType.Float => OrtValue.CreateTensorValueFromMemory(Fill(count, () => random.NextSingle()), shape),
            TensorElementType.Double => OrtValue.CreateTensorValueFromMemory(Fill(count, random.NextDouble), shape),
            TensorElementType.Float16 => OrtValue.CreateTensorValueFromMemory(Fill(count, () => (Float16)random.NextSingle()), shape),
            TensorElementType.BFloat16 => OrtValue.CreateTensorValueFromMemory(Fill(count, () => (BFloat16)random.NextSingle()), shape),
            TensorElementType.Int8 => OrtValue.CreateTensorValueFromMemory(Fill(count, () => (sbyte)random.Next(-128, 128)), shape),
            TensorElementType.UInt8 => OrtValue.CreateTensorValueFromMemory(Fill(count, () => (byte)random.Next(256)), shape),
            TensorElementType.Int16 => OrtValue.CreateTensorValueFromMemory(Fill(count, () => (short)random.Next(100)), shape),
            TensorElementType.Int32 => OrtValue.CreateTensorValueFromMemory(Fill(count, () => random.Next(100)), shape),
            TensorElementType.Int64 => OrtValue.CreateTensorValueFromMemory(Fill(count, () => (long)random.Next(100)), shape),
            TensorElementType.Bool => OrtValue.CreateTensorValueFromMemory(Fill(count, () => random.Next(2) == 1), shape),
            _ => throw new MeasurementException($"Input {name} has element type {type}, which WorkingPoint cannot generate data for; supported: float, double, float16, bfloat16, int8, uint8, int16, int32, int64, bool."),
        };
    }

    private static T[] Fill<T>(int count, Func<T> next)
    {
        var data = new T[count];
        for (var i = 0; i < count; i++)
        {
            data[i] = next();
        }

        return data;
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
