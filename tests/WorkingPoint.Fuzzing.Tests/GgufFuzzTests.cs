using System.Buffers.Binary;
using System.Text;
using WorkingPoint.Gguf;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Fuzzing.Tests;

/// <summary>Malformed and extreme GGUF headers through the reader, the validator and the architecture mapping.</summary>
public sealed class GgufFuzzTests
{
    private static readonly byte[] Valid = File.ReadAllBytes(TinyLlm.File());

    /// <summary>What the LLM commands do with a file before llama.cpp sees it.</summary>
    private static void Load(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        var file = GgufReader.Read("fuzz.gguf", stream);
        GgufValidator.Validate(file, bytes.Length);
        GgufArchitecture.FromFile(file);
    }

    [Fact]
    public void The_seed_file_loads()
    {
        Load(Valid);
    }

    [Fact]
    public void Truncation_at_every_structural_boundary_of_the_header_is_handled()
    {
        var (boundaries, _) = Structure(Valid);
        Assert.True(boundaries.Count > 3000);
        Fuzz.All(boundaries.Where(b => b < Valid.Length).Select(n => ($"truncated to {n} bytes", (Action)(() => Load(Valid[..(int)n])))));
    }

    [Fact]
    public void Random_byte_flips_in_the_header_are_handled()
    {
        var (_, headerEnd) = Structure(Valid);
        Fuzz.All(Fuzz.Flips(Valid, 0, (int)headerEnd, "gguf").Select(c => (c.Name, (Action)(() => Load(c.Bytes)))));
    }

    [Fact]
    public void Extreme_counts_lengths_and_values_are_handled()
    {
        var cases = new List<(string, Action)>();
        foreach (var value in new ulong[] { ulong.MaxValue, 1UL << 63, 1UL << 40, 10_000_001, 1_000_000 })
        {
            cases.Add(($"tensor count {value}", () => Load(Patch(8, value))));
            cases.Add(($"metadata count {value}", () => Load(Patch(16, value))));
            cases.Add(($"first key length {value}", () => Load(Patch(24, value))));
            cases.Add(($"token array length {value}", () => Load(Patch(After("tokenizer.ggml.tokens") + 8, value))));
            cases.Add(($"first token length {value}", () => Load(Patch(After("tokenizer.ggml.tokens") + 16, value))));
        }

        foreach (var (key, bytes) in new (string, byte[])[]
        {
            ("llama.attention.layer_norm_rms_epsilon", BitConverter.GetBytes(float.NaN)),
            ("llama.attention.layer_norm_rms_epsilon", BitConverter.GetBytes(float.PositiveInfinity)),
            ("llama.attention.layer_norm_rms_epsilon", BitConverter.GetBytes(-1f)),
            ("llama.attention.layer_norm_rms_epsilon", BitConverter.GetBytes(0f)),
            ("llama.rope.dimension_count", BitConverter.GetBytes(0u)),
            ("llama.rope.dimension_count", BitConverter.GetBytes(uint.MaxValue)),
            ("llama.attention.head_count", BitConverter.GetBytes(0u)),
            ("llama.attention.head_count", BitConverter.GetBytes(uint.MaxValue)),
            ("llama.block_count", BitConverter.GetBytes(uint.MaxValue)),
            ("llama.block_count", BitConverter.GetBytes(0x0B00_0002u)), // one flipped byte: 184 million blocks (was a hang)
            ("llama.block_count", BitConverter.GetBytes(10_001u)),
            ("llama.embedding_length", BitConverter.GetBytes(0u)),
            ("tokenizer.ggml.bos_token_id", BitConverter.GetBytes(int.MaxValue)),
            ("general.alignment", BitConverter.GetBytes(3u)),
            ("general.alignment", BitConverter.GetBytes(0u)),
        })
        {
            cases.Add(($"{key} = {Convert.ToHexString(bytes)}", () =>
            {
                var copy = (byte[])Valid.Clone();
                var at = After(key) + 4;
                if (at >= 4)
                {
                    bytes.CopyTo(copy, at);
                }

                Load(copy);
            }));
        }

        // The first tensor's directory entry: name, dimension count, dimensions, type, offset.
        var (_, _, firstTensor) = StructureWithTensors(Valid);
        foreach (var (what, offset, value) in new (string, int, ulong)[]
        {
            ("dimension count 0", 0, 0), ("dimension count 5", 0, 5), ("dimension 0", 4, 0), ("dimension 2^40", 4, 1UL << 40),
            ("dimension 2^31-1", 4, int.MaxValue), ("type 999", -1, 999), ("offset 2^63", -2, 1UL << 63), ("offset 1", -2, 1), ("offset 2^40", -2, 1UL << 40),
        })
        {
            cases.Add(($"first tensor {what}", () =>
            {
                var copy = (byte[])Valid.Clone();
                var (dimensionCountAt, typeAt, offsetAt) = firstTensor;
                var at = offset switch { 0 => dimensionCountAt, 4 => dimensionCountAt + 4, -1 => typeAt, _ => offsetAt };
                if (offset is 0 or -1)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(at), (uint)value);
                }
                else
                {
                    BinaryPrimitives.WriteUInt64LittleEndian(copy.AsSpan(at), value);
                }

                Load(copy);
            }));
        }

        Fuzz.All(cases);
    }

    private static byte[] Patch(int at, ulong value)
    {
        var copy = (byte[])Valid.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(copy.AsSpan(at), value);
        return copy;
    }

    /// <summary>The offset just past a key's bytes (where its 4-byte value type starts); -1 when absent.</summary>
    private static int After(string key)
    {
        var pattern = Encoding.UTF8.GetBytes(key);
        var at = Valid.AsSpan().IndexOf(pattern);
        return at < 0 ? -1 : at + pattern.Length;
    }

    private static (List<long> Boundaries, long HeaderEnd) Structure(byte[] bytes)
    {
        var (boundaries, end, _) = StructureWithTensors(bytes);
        return (boundaries, end);
    }

    /// <summary>
    /// Every boundary between header fields (magic, version, counts, each key, type, value and array element, each tensor entry's
    /// fields), walked here independently of the reader so the truncations do not depend on the code under test.
    /// </summary>
    private static (List<long> Boundaries, long HeaderEnd, (int DimensionCount, int Type, int Offset) FirstTensor) StructureWithTensors(byte[] bytes)
    {
        var at = 0;
        var boundaries = new List<long>();
        ulong U64() { var v = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at)); at += 8; boundaries.Add(at); return v; }
        uint U32() { var v = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at)); at += 4; boundaries.Add(at); return v; }
        void Str() { var n = (int)U64(); at += n; boundaries.Add(at); }
        void Scalar(uint type)
        {
            if (type == 8)
            {
                Str();
                return;
            }

            at += type switch { 0 or 1 or 7 => 1, 2 or 3 => 2, 4 or 5 or 6 => 4, _ => 8 };
            boundaries.Add(at);
        }

        boundaries.Add(0);
        U32();
        U32();
        var tensors = U64();
        var keys = U64();
        for (ulong i = 0; i < keys; i++)
        {
            Str();
            var type = U32();
            if (type == 9)
            {
                var elementType = U32();
                var count = U64();
                for (ulong k = 0; k < count; k++)
                {
                    Scalar(elementType);
                }
            }
            else
            {
                Scalar(type);
            }
        }

        (int, int, int) first = default;
        for (ulong i = 0; i < tensors; i++)
        {
            Str();
            var dimensionCountAt = at;
            var dims = U32();
            for (var d = 0; d < dims; d++)
            {
                U64();
            }

            var typeAt = at;
            U32();
            var offsetAt = at;
            U64();
            if (i == 0)
            {
                first = (dimensionCountAt, typeAt, offsetAt);
            }
        }

        return (boundaries, at, first);
    }
}
