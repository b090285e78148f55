using WorkingPoint.Core;
using System.Buffers.Binary;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Gguf;

/// <summary>What a synthesized file will hold, before anything is written.</summary>
public sealed record SynthesisPlan(LlmArchitecture Architecture, WeightFormat Weights, IReadOnlyList<KeyValuePair<string, GgufValue>> Metadata, IReadOnlyList<GgufTensorSpec> Tensors)
{
    public long FileBytes => GgufWriter.FileBytes(Metadata, Tensors);
}

/// <summary>
/// Writes a GGUF file with an architecture's exact tensors (names, shapes, and the types llama.cpp's quantizer would pick) and
/// random weights of plausible magnitude: quantized blocks get random codes under finite fp16 scales, float tensors values
/// of about 0.02 standard deviation, norms 1. Timing does not depend on weight values, so the file runs as the real model would.
/// Data is generated and written block by block: memory use does not grow with the model.
/// </summary>
public static class GgufSynthesizer
{
    private const int ChunkBytes = 1 << 20;

    /// <summary>The fp16 scale fields of each block type (offset within the block and value), chosen so weights fall within about ±0.1.</summary>
    private static readonly Dictionary<GgmlType, (int Offset, float Value)[]> ScaleFields = new()
    {
        [GgmlType.Q4_0] = [(0, 0.005f)],
        [GgmlType.Q4_1] = [(0, 0.003f), (2, -0.024f)],
        [GgmlType.Q5_0] = [(0, 0.0025f)],
        [GgmlType.Q5_1] = [(0, 0.0015f), (2, -0.024f)],
        [GgmlType.Q8_0] = [(0, 0.0003f)],
        [GgmlType.Q2_K] = [(80, 0.001f), (82, 0.001f)],
        [GgmlType.Q3_K] = [(108, 0.0005f)],
        [GgmlType.Q4_K] = [(0, 0.0003f), (2, 0.0003f)],
        [GgmlType.Q5_K] = [(0, 0.00015f), (2, 0.0003f)],
        [GgmlType.Q6_K] = [(208, 0.00002f)],
    };

    public static SynthesisPlan Plan(LlmArchitecture architecture, WeightFormat weights)
    {
        if (!GgufArchitecture.CanHold(architecture.Family))
        {
            throw new InvalidInputException($"{architecture.Family.ToString().ToLowerInvariant()} models are not llama.cpp models, so they cannot be written as GGUF for it; llama.cpp runs {string.Join(", ", GgufArchitecture.Families.Keys)}.");
        }

        var tensors = new List<GgufTensorSpec>(architecture.Tensors.Count);
        foreach (var tensor in architecture.Tensors)
        {
            var encoding = weights.EncodingFor(tensor);
            var layout = GgmlTypeLayout.ForEncoding(encoding);
            if (layout is null || (layout.BlockElements > 1 && !ScaleFields.ContainsKey(layout.Type)) || layout.Type is GgmlType.F64 or GgmlType.I8 or GgmlType.I16 or GgmlType.I32 or GgmlType.I64)
            {
                throw new InvalidInputException($"Weight format '{weights.Id}' stores {tensor.Name} as {encoding.Id}, which llama.cpp files cannot hold or this synthesizer cannot write. Use one of: {string.Join(", ", SupportedFormats.Select(f => f.Id))}.");
            }

            // Experts stack along a third dimension (per-expert bias rows along the second), as llama.cpp stores them.
            IReadOnlyList<long> dims = tensor.Experts > 1
                ? tensor.RowsPerExpert == 1 ? [tensor.RowLength, tensor.Experts] : [tensor.RowLength, tensor.RowsPerExpert, tensor.Experts]
                : tensor.Rows == 1 ? [tensor.RowLength] : [tensor.RowLength, tensor.Rows];
            tensors.Add(new GgufTensorSpec(tensor.Name, dims, layout.Type));
        }

        return new SynthesisPlan(architecture, weights, GgufArchitecture.Metadata(architecture, weights), tensors);
    }

    /// <summary>The catalog weight formats a GGUF file can carry.</summary>
    public static IReadOnlyList<WeightFormat> SupportedFormats { get; } =
        WeightFormat.All.Where(f => GgmlTypeLayout.ForEncoding(f.Main) is not null).ToArray();

    /// <summary>Writes the planned file; <paramref name="progress"/> receives bytes of tensor data written so far.</summary>
    public static void Write(SynthesisPlan plan, string path, ulong seed = 42, Action<long>? progress = null)
    {
        var index = plan.Tensors.Select((t, i) => (t.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
        var roles = plan.Architecture.Tensors.ToDictionary(t => t.Name, t => t.Role, StringComparer.Ordinal);
        var buffer = new byte[ChunkBytes]; // one buffer for the whole file: memory stays flat however large the model
        GgufWriter.Write(path, plan.Metadata, plan.Tensors, (tensor, stream) =>
        {
            var random = new SplitMix64(seed ^ ((ulong)index[tensor.Name] * 0x9E3779B97F4A7C15UL));
            WriteTensor(tensor, roles[tensor.Name], stream, random, buffer);
        }, progress);
    }

    private static void WriteTensor(GgufTensorSpec tensor, LlmTensorRole role, Stream stream, SplitMix64 random, byte[] buffer)
    {
        var layout = GgmlTypeLayout.Of(tensor.Type);
        var chunk = buffer.Length / layout.BlockBytes * layout.BlockBytes;
        var remaining = tensor.Bytes;
        while (remaining > 0)
        {
            var length = (int)Math.Min(chunk, remaining);
            var span = buffer.AsSpan(0, length);
            if (layout.BlockElements > 1)
            {
                FillBlocks(span, layout, random);
            }
            else
            {
                FillFloats(span, tensor.Type, role, random);
            }

            stream.Write(span);
            remaining -= length;
        }
    }

    private static void FillBlocks(Span<byte> span, GgmlTypeLayout layout, SplitMix64 random)
    {
        random.Fill(span);
        var fields = ScaleFields[layout.Type];
        for (var block = 0; block < span.Length; block += layout.BlockBytes)
        {
            foreach (var (offset, value) in fields)
            {
                BinaryPrimitives.WriteHalfLittleEndian(span[(block + offset)..], (Half)value);
            }
        }
    }

    private static void FillFloats(Span<byte> span, GgmlType type, LlmTensorRole role, SplitMix64 random)
    {
        var size = GgmlTypeLayout.Of(type).BlockBytes;
        for (var i = 0; i < span.Length; i += size)
        {
            // Norm weights multiply activations: 1 keeps the network's scale; everything else is a small zero-mean weight.
            var value = role == LlmTensorRole.Norm ? 1f : 0.02f * random.NextGaussianish();
            switch (type)
            {
                case GgmlType.F32: BinaryPrimitives.WriteSingleLittleEndian(span[i..], value); break;
                case GgmlType.F16: BinaryPrimitives.WriteHalfLittleEndian(span[i..], (Half)value); break;
                case GgmlType.BF16: BinaryPrimitives.WriteUInt16LittleEndian(span[i..], (ushort)(BitConverter.SingleToUInt32Bits(value) >> 16)); break;
                default: throw new ArgumentException($"Cannot synthesize float type {type}.");
            }
        }
    }

    /// <summary>A small, fast, seedable generator: the same seed writes the same file.</summary>
    private sealed class SplitMix64(ulong state)
    {
        private ulong _state = state;

        public ulong Next()
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        public void Fill(Span<byte> span)
        {
            var i = 0;
            for (; i + 8 <= span.Length; i += 8)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(span[i..], Next());
            }

            for (; i < span.Length; i++)
            {
                span[i] = (byte)Next();
            }
        }

        /// <summary>Sum of four uniforms, centred and scaled to unit variance: bell-shaped, bounded by ±3.5.</summary>
        public float NextGaussianish()
        {
            var bits = Next();
            var sum = 0f;
            for (var k = 0; k < 4; k++)
            {
                sum += ((bits >> (16 * k)) & 0xFFFF) / 65535f;
            }

            return (sum - 2f) * 1.7320508f;
        }
    }
}
