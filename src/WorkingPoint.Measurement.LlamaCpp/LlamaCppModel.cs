using WorkingPoint.Core;
using System.Diagnostics;
using LLama;
using LLama.Common;
using LLama.Native;

namespace WorkingPoint.Measurement.LlamaCpp;

/// <summary>How llama.cpp runs a model: threads, the logical and physical batch sizes (llama-bench's -b and -ub), GPU layers.</summary>
/// <param name="Threads">Threads for generation and prompt processing; null uses one per logical core, as llama-bench does.</param>
public sealed record LlamaCppOptions(int? Threads = null, int BatchSize = 2048, int MicroBatchSize = 512, int GpuLayers = 0, int Seed = 1234)
{
    public int ThreadCount => Threads ?? Environment.ProcessorCount;

    public LlamaCppOptions Validate()
    {
        if (Threads is < 1 || BatchSize < 1 || MicroBatchSize < 1 || GpuLayers < 0)
        {
            throw new InvalidInputException($"llama.cpp options: threads {Threads}, batch {BatchSize}, ubatch {MicroBatchSize}, GPU layers {GpuLayers}; threads and batch sizes must be ≥ 1, GPU layers ≥ 0.");
        }

        return this;
    }
}

/// <summary>
/// A GGUF model loaded into llama.cpp with one context, driven by token ids the way llama-bench drives it: prompt processing as
/// batches of random tokens, generation as one token per decode. Timings are wall-clock around decode and synchronize.
/// </summary>
public sealed class LlamaCppModel : IDisposable
{
    private static readonly object LogLock = new();
    private static string? _lastNativeError;
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly LLamaBatch _batch = new();
    private readonly Random _random;
    private int _streamPosition;

    private static readonly Lazy<string?> NativeSetup = new(SetUpNative);

    /// <summary>
    /// Loads the native library once and routes llama.cpp's log (it logs every tensor it loads) to keep only the first error of a
    /// load, to name it when the load fails. Returns why the library cannot load on this machine, or null when it can.
    /// </summary>
    private static string? SetUpNative()
    {
        try
        {
            NativeLogConfig.llama_log_set((level, message) =>
            {
                if (level == LLamaLogLevel.Error)
                {
                    lock (LogLock)
                    {
                        _lastNativeError ??= message.Trim(); // the first error names the cause; later ones only report the failure
                    }
                }
            });
            return null;
        }
        catch (Exception ex) when (ex is TypeInitializationException or DllNotFoundException or EntryPointNotFoundException or BadImageFormatException or LLama.Exceptions.RuntimeError)
        {
            return (ex.InnerException ?? ex).Message;
        }
    }

    private LlamaCppModel(string path, LLamaWeights weights, LLamaContext context, LlamaCppOptions options)
    {
        Path = path;
        _weights = weights;
        _context = context;
        Options = options;
        _random = new Random(options.Seed);
    }

    public string Path { get; }

    public LlamaCppOptions Options { get; }

    public int ContextTokens => (int)_context.ContextSize;

    /// <summary>
    /// The llama.cpp context itself, for code that drives it directly: the harness-overhead benchmark runs its minimal loop on
    /// this same context, so both see the same memory placement (two loaded copies differ by several percent on their own).
    /// </summary>
    public LLamaContext NativeContext => _context;

    public int VocabSize => _weights.Vocab.Count;

    public long ParameterCount => (long)_weights.ParameterCount;

    public long ModelBytes => (long)_weights.SizeInBytes;

    public string Description => _weights.NativeHandle.Description;

    /// <summary>The LLamaSharp release that carries the llama.cpp build in use.</summary>
    public static string RuntimeVersion =>
        typeof(LlamaCppModel).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .OfType<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "LLamaSharpVersion")?.Value ?? "unknown";

    /// <summary>The CPU features the loaded llama.cpp build uses (AVX2, AVX512, NEON, …).</summary>
    public static string SystemInfo => System.Runtime.InteropServices.Marshal.PtrToStringAnsi(NativeApi.llama_print_system_info())?.Trim() ?? string.Empty;

    public static LlamaCppModel Load(string path, int contextTokens, LlamaCppOptions options)
    {
        options.Validate();
        if (!File.Exists(path))
        {
            throw new MeasurementException($"{path}: no such GGUF file. Check the path, or give a catalog model id (wpt models synth writes one).");
        }

        if (NativeSetup.Value is { } nativeError)
        {
            throw new MeasurementException($"llama.cpp's native library cannot load on this machine ({nativeError}). LLamaSharp's CPU backend ships linux-x64, linux-arm64, osx and win builds; check the OS and architecture.");
        }

        // llama.cpp aborts the process on some malformed values (GGML_ASSERT); those are refused here with one line first.
        WorkingPoint.Gguf.GgufValidator.Validate(WorkingPoint.Gguf.GgufReader.Read(path), new FileInfo(path).Length);

        var parameters = new ModelParams(path)
        {
            ContextSize = (uint)contextTokens,
            BatchSize = (uint)options.BatchSize,
            UBatchSize = (uint)options.MicroBatchSize,
            Threads = options.ThreadCount,
            BatchThreads = options.ThreadCount,
            GpuLayerCount = options.GpuLayers,
        };
        lock (LogLock)
        {
            _lastNativeError = null;
        }

        LLamaWeights weights;
        try
        {
            weights = LLamaWeights.LoadFromFile(parameters);
        }
        catch (Exception ex) when (ex is LLama.Exceptions.LoadWeightsFailedException or LLama.Exceptions.RuntimeError)
        {
            throw new MeasurementException($"{path}: llama.cpp cannot load this model ({LastNativeError() ?? ex.Message}). Check that it is a complete GGUF file of an architecture this llama.cpp build supports.", ex);
        }

        try
        {
            return new LlamaCppModel(path, weights, weights.CreateContext(parameters), options);
        }
        catch (Exception ex) when (ex is LLama.Exceptions.RuntimeError)
        {
            weights.Dispose();
            throw new MeasurementException($"{path}: llama.cpp cannot create a context of {contextTokens} tokens ({LastNativeError() ?? ex.Message}). Use a shorter prompt or fewer generated tokens.", ex);
        }
    }

    /// <summary>Empties the KV cache, so the next test starts from an empty context.</summary>
    public void ClearCache() => _context.NativeHandle.MemoryClear(true);

    /// <summary>Processes <paramref name="tokens"/> random tokens from <paramref name="startPosition"/> in batches; returns seconds.</summary>
    public double Prefill(int tokens, int startPosition = 0)
    {
        var watch = Stopwatch.StartNew();
        for (var done = 0; done < tokens;)
        {
            var count = Math.Min(Options.BatchSize, tokens - done);
            _batch.Clear();
            for (var i = 0; i < count; i++)
            {
                _batch.Add(RandomToken(), startPosition + done + i, LLamaSeqId.Zero, done + i == tokens - 1);
            }

            Decode();
            done += count;
        }

        return watch.Elapsed.TotalSeconds;
    }

    /// <summary>Generates <paramref name="tokens"/> tokens one decode at a time from <paramref name="startPosition"/>; returns seconds per token.</summary>
    public double[] Generate(int tokens, int startPosition)
    {
        var seconds = new double[tokens];
        for (var i = 0; i < tokens; i++)
        {
            var start = Stopwatch.GetTimestamp();
            _batch.Clear();
            _batch.Add(RandomToken(), startPosition + i, LLamaSeqId.Zero, true);
            Decode();
            seconds[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        return seconds;
    }

    /// <summary>
    /// One more generated token in an endless generation: decodes at the next position and, when the context is full, empties
    /// the cache and starts again from position 0, so a long run cycles through the same contexts.
    /// </summary>
    public void NextStreamToken()
    {
        if (_streamPosition >= ContextTokens - 1)
        {
            ClearCache();
            _streamPosition = 0;
        }

        Generate(1, _streamPosition++);
    }

    /// <summary>Whether every logit of the last decoded position is a finite number (random weights must not produce NaN or ∞).</summary>
    public bool LastLogitsAreFinite()
    {
        foreach (var logit in _context.NativeHandle.GetLogitsIth(_batch.TokenCount - 1))
        {
            if (!float.IsFinite(logit))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The most likely next token after the last decode: what a greedy sampler returns first.</summary>
    public int GreedyToken()
    {
        var logits = _context.NativeHandle.GetLogitsIth(_batch.TokenCount - 1);
        var best = 0;
        for (var i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
            {
                best = i;
            }
        }

        return best;
    }

    public void Dispose()
    {
        _context.Dispose();
        _weights.Dispose();
    }

    private LLamaToken RandomToken() => _random.Next(VocabSize);

    private void Decode()
    {
        var result = _context.NativeHandle.Decode(_batch);
        if (result != DecodeResult.Ok)
        {
            throw new MeasurementException($"{Path}: llama.cpp decode failed ({result}{(LastNativeError() is { } e ? ": " + e : string.Empty)}). The context may be too small for the prompt and generation.");
        }

        _context.NativeHandle.Synchronize();
    }

    private static string? LastNativeError()
    {
        lock (LogLock)
        {
            return _lastNativeError;
        }
    }
}
