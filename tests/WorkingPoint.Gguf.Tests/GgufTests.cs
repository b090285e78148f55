using WorkingPoint.Core;
using System.Buffers.Binary;
using System.Security.Cryptography;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Gguf.Tests;

public sealed class GgufTests
{
    [Theory]
    [InlineData(LlmFamily.Llama, "q4_0")]
    [InlineData(LlmFamily.Qwen2, "q8_0")]
    [InlineData(LlmFamily.Gemma2, "fp16")]
    [InlineData(LlmFamily.Phi3, "q4_k_m")]
    [InlineData(LlmFamily.Qwen3, "q8_0")]
    [InlineData(LlmFamily.Qwen3Moe, "q4_k_m")]
    [InlineData(LlmFamily.Gemma3, "q8_0")]
    [InlineData(LlmFamily.Mixtral, "q4_0")]
    [InlineData(LlmFamily.GptOss, "q8_0")]
    public void A_synthesized_file_reads_back_as_the_architecture_it_was_written_from(LlmFamily family, string format)
    {
        var expected = TinyLlm.Architecture(family);
        var model = GgufArchitecture.Load(TinyLlm.File(family, format));

        var actual = model.Architecture;
        Assert.Equal(expected.Family, actual.Family);
        Assert.Equal(
            (expected.HiddenSize, expected.Layers, expected.AttentionHeads, expected.KvHeads, expected.HeadDim, expected.FfnSize, expected.VocabSize, expected.TiedEmbeddings, expected.QkvBias, expected.SlidingWindow),
            (actual.HiddenSize, actual.Layers, actual.AttentionHeads, actual.KvHeads, actual.HeadDim, actual.FfnSize, actual.VocabSize, actual.TiedEmbeddings, actual.QkvBias, actual.SlidingWindow));
        Assert.Equal(expected.Experts, actual.Experts);
        Assert.Equal(expected.Parameters, actual.Parameters);
        Assert.Equal(3u, model.File.Version);
        Assert.Empty(model.OtherTensors);
    }

    [Fact]
    public void Expert_tensors_are_written_three_dimensional_with_the_expert_metadata_llama_cpp_reads()
    {
        var file = GgufReader.Read(TinyLlm.File(LlmFamily.Qwen3Moe, "q8_0"));
        Assert.Equal([256L, 256L, 4L], file.Tensor("blk.0.ffn_up_exps.weight")!.Dimensions);
        Assert.Equal([256L, 4L], file.Tensor("blk.0.ffn_gate_inp.weight")!.Dimensions);
        Assert.Equal(GgmlType.F32, file.Tensor("blk.0.ffn_gate_inp.weight")!.Type);
        Assert.Equal(4L, file.Get("qwen3moe.expert_count")!.AsInteger);
        Assert.Equal(2L, file.Get("qwen3moe.expert_used_count")!.AsInteger);
        Assert.Equal(256L, file.Get("qwen3moe.expert_feed_forward_length")!.AsInteger);
        Assert.Equal("llama", GgufReader.Read(TinyLlm.File(LlmFamily.Mixtral, "q4_0")).Architecture);
    }

    [Fact]
    public void A_mixture_of_experts_file_without_its_expert_used_count_is_named()
    {
        var plan = GgufSynthesizer.Plan(TinyLlm.Architecture(LlmFamily.Qwen3Moe), WeightFormat.Q8_0);
        var path = Path.Combine(Directory.CreateTempSubdirectory("wpt-gguf-moe-").FullName, "no-used-count.gguf");
        GgufSynthesizer.Write(plan with { Metadata = plan.Metadata.Where(m => m.Key != "qwen3moe.expert_used_count").ToArray() }, path);
        var ex = Assert.Throws<GgufFormatException>(() => GgufArchitecture.Load(path));
        Assert.Contains("expert_used_count", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("q4_0")]
    [InlineData("q8_0")]
    [InlineData("fp16")]
    [InlineData("q4_k_m")]
    public void The_analytic_model_reads_exactly_the_bytes_the_file_stores(string format)
    {
        var model = GgufArchitecture.Load(TinyLlm.File(LlmFamily.Llama, format));
        var fromFile = new LlmWorkload(model.Architecture, model.Weights, KvCacheFormat.F16);
        var fromRule = new LlmWorkload(TinyLlm.Architecture(), WeightFormat.Parse(format), KvCacheFormat.F16);

        Assert.Equal(model.TensorBytes, fromFile.WeightBytes);
        Assert.Equal(fromRule.WeightBytes, fromFile.WeightBytes);
    }

    [Theory]
    [InlineData("llama-3.2-1b", "q4_0")]
    [InlineData("qwen2.5-0.5b", "q8_0")]
    [InlineData("gemma-2-2b", "q4_k_m")]
    [InlineData("phi-3.5-mini", "fp16")]
    [InlineData("llama-3.1-8b", "q4_0")]
    public void A_catalog_model_is_planned_with_its_exact_tensors_and_bytes(string id, string format)
    {
        var architecture = ((WorkingPoint.Catalog.LlmCatalogModel)WorkingPoint.Catalog.Catalog.BuiltIn.ResolveModel(id)).Architecture;
        var weights = WeightFormat.Parse(format);
        var plan = GgufSynthesizer.Plan(architecture, weights);

        Assert.Equal(architecture.Tensors.Select(t => t.Name), plan.Tensors.Select(t => t.Name));
        Assert.Equal(new LlmWorkload(architecture, weights, KvCacheFormat.F16).WeightBytes, plan.Tensors.Sum(t => t.Bytes));
        Assert.True(plan.FileBytes > plan.Tensors.Sum(t => t.Bytes));
    }

    [Fact]
    public void The_file_is_exactly_as_long_as_planned_and_the_same_seed_writes_the_same_bytes()
    {
        var plan = GgufSynthesizer.Plan(TinyLlm.Architecture(), WeightFormat.Q8_0);
        var a = Temp("a.gguf");
        var b = Temp("b.gguf");
        var c = Temp("c.gguf");
        GgufSynthesizer.Write(plan, a, seed: 7);
        GgufSynthesizer.Write(plan, b, seed: 7);
        GgufSynthesizer.Write(plan, c, seed: 8);

        Assert.Equal(plan.FileBytes, new FileInfo(a).Length);
        Assert.Equal(Hash(a), Hash(b));
        Assert.NotEqual(Hash(a), Hash(c));
    }

    [Theory]
    [InlineData("q4_0")]
    [InlineData("q8_0")]
    [InlineData("fp16")]
    [InlineData("q4_k_m")]
    public void Every_scale_and_float_weight_is_finite_and_small(string format)
    {
        var path = TinyLlm.File(LlmFamily.Llama, format);
        var file = GgufReader.Read(path);
        var bytes = File.ReadAllBytes(path);
        foreach (var tensor in file.Tensors)
        {
            var data = bytes.AsSpan((int)(file.DataOffset + tensor.Offset), (int)tensor.Bytes);
            foreach (var value in ScalesAndFloats(tensor.Type, data))
            {
                Assert.True(float.IsFinite(value) && Math.Abs(value) <= 1.5f, $"{tensor.Name}: {value}");
            }
        }
    }

    [Fact]
    public void Writing_a_model_streams_memory_use_stays_flat_however_large_the_file()
    {
        // 64 blocks of 1024: about 280 MB in q8_0, written through one buffer.
        var architecture = TinyLlm.Architecture() with { Id = "streamed", HiddenSize = 1024, Layers = 64, AttentionHeads = 16, KvHeads = 4, FfnSize = 2048 };
        var plan = GgufSynthesizer.Plan(architecture, WeightFormat.Q8_0);
        var path = Temp("streamed.gguf");
        var before = GC.GetAllocatedBytesForCurrentThread();
        GgufSynthesizer.Write(plan, path);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(plan.FileBytes > 250_000_000);
        Assert.True(allocated < 16_000_000, $"allocated {allocated:N0} bytes to write {plan.FileBytes:N0}");
        File.Delete(path);
    }

    [Fact]
    public void A_version_2_file_is_read_as_well()
    {
        var path = TinyLlm.Copy("v2.gguf");
        Patch(path, 4, [2, 0, 0, 0]);
        Assert.Equal(2u, GgufReader.Read(path).Version);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(2_000)]
    [InlineData(-1000)]
    public void A_truncated_file_is_named_as_truncated(int cutAt)
    {
        var path = TinyLlm.Copy("cut.gguf");
        var length = new FileInfo(path).Length;
        using (var stream = new FileStream(path, FileMode.Open))
        {
            stream.SetLength(cutAt > 0 ? cutAt : length + cutAt);
        }

        var error = Assert.Throws<GgufFormatException>(() => GgufReader.Read(path));
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_gguf_says_so()
    {
        var path = Temp("model.onnx.gguf");
        File.WriteAllBytes(path, [0x08, 0x07, 0x12, 0x04, 0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0]);
        Assert.Contains("not a GGUF file", Assert.Throws<GgufFormatException>(() => GgufReader.Read(path)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 1, 0, 0, 0 }, "version 1 is obsolete")]
    [InlineData(new byte[] { 0, 0, 0, 3 }, "big-endian")]
    [InlineData(new byte[] { 9, 0, 0, 0 }, "version 9")]
    public void Other_versions_are_refused_with_the_reason(byte[] version, string expected)
    {
        var path = TinyLlm.Copy("version.gguf");
        Patch(path, 4, version);
        Assert.Contains(expected, Assert.Throws<GgufFormatException>(() => GgufReader.Read(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_tensor_type_is_named()
    {
        var path = Temp("unknown-type.gguf");
        GgufWriter.Write(path, [new("general.architecture", GgufValue.Of("llama"))], [new GgufTensorSpec("t", [32], GgmlType.F32)], (_, s) => s.Write(new byte[128]));
        var bytes = File.ReadAllBytes(path);

        // magic, version, counts; the one key and its string value; the tensor's name, dimension count and one dimension.
        var typeField = 24 + (8 + "general.architecture".Length) + 4 + (8 + "llama".Length) + (8 + 1) + 4 + 8;
        Assert.Equal((uint)GgmlType.F32, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(typeField)));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(typeField), 77);
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<GgufFormatException>(() => GgufReader.Read(path));
        Assert.Contains("ggml type 77", error.Message, StringComparison.Ordinal);
        Assert.Contains("'t'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unsupported_architecture_is_named_with_the_supported_ones()
    {
        var path = Temp("mamba.gguf");
        GgufWriter.Write(path, [new("general.architecture", GgufValue.Of("mamba")), new("mamba.block_count", GgufValue.Of(2u))], [new GgufTensorSpec("token_embd.weight", [32, 4], GgmlType.F32)], (t, s) => s.Write(new byte[t.Bytes]));

        var error = Assert.Throws<GgufFormatException>(() => GgufArchitecture.Load(path));
        Assert.Contains("'mamba' is not supported", error.Message, StringComparison.Ordinal);
        Assert.Contains("llama, qwen2, gemma2, phi3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_tensor_is_named()
    {
        var full = GgufReader.Read(TinyLlm.File());
        var kept = full.Tensors.Where(t => t.Name != "blk.1.ffn_down.weight").Select(t => new GgufTensorSpec(t.Name, t.Dimensions, t.Type)).ToArray();
        var path = Temp("missing.gguf");
        GgufWriter.Write(path, full.Metadata.ToArray(), kept, (t, s) => s.Write(new byte[t.Bytes]));

        var error = Assert.Throws<GgufFormatException>(() => GgufArchitecture.Load(path));
        Assert.Contains("'blk.1.ffn_down.weight' is missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Metadata_round_trips_with_its_types()
    {
        var path = Temp("metadata.gguf");
        GgufWriter.Write(path,
        [
            new("a.string", GgufValue.Of("héllo")),
            new("a.u32", GgufValue.Of(7u)),
            new("a.i32", GgufValue.Of(-3)),
            new("a.f32", GgufValue.Of(0.5f)),
            new("a.bool", GgufValue.Of(true)),
            new("a.array", GgufValue.Array(GgufValueType.Int32, new object[] { 1L, 2L, 3L })),
        ], [], (_, _) => { });
        var file = GgufReader.Read(path);

        Assert.Equal("héllo", file.Get("a.string")!.AsString);
        Assert.Equal(7, file.Get("a.u32")!.AsInteger);
        Assert.Equal(-3, file.Get("a.i32")!.AsInteger);
        Assert.Equal(0.5, file.Get("a.f32")!.AsFloat);
        Assert.Equal(true, file.Get("a.bool")!.Value);
        Assert.Equal(3, file.Get("a.array")!.ArrayLength);
        Assert.Equal(GgufValueType.UInt32, file.Get("a.u32")!.Type);
    }

    [Fact]
    public void Formats_gguf_cannot_hold_are_refused_with_the_ones_it_can()
    {
        var error = Assert.Throws<InvalidInputException>(() => GgufSynthesizer.Plan(TinyLlm.Architecture(), WeightFormat.Int4));
        Assert.Contains("q4_0", error.Message, StringComparison.Ordinal);
        Assert.Contains("q8_0", error.Message, StringComparison.Ordinal);
    }

    private static IEnumerable<float> ScalesAndFloats(GgmlType type, ReadOnlySpan<byte> data)
    {
        var values = new List<float>();
        switch (type)
        {
            case GgmlType.F32:
                for (var i = 0; i < data.Length; i += 4) values.Add(BinaryPrimitives.ReadSingleLittleEndian(data[i..]));
                break;
            case GgmlType.F16:
                for (var i = 0; i < data.Length; i += 2) values.Add((float)BinaryPrimitives.ReadHalfLittleEndian(data[i..]));
                break;
            case GgmlType.Q4_0 or GgmlType.Q8_0 or GgmlType.Q4_K or GgmlType.Q5_0 or GgmlType.Q6_K:
                var layout = GgmlTypeLayout.Of(type);
                var offset = type == GgmlType.Q6_K ? 208 : 0;
                for (var b = 0; b < data.Length; b += layout.BlockBytes) values.Add((float)BinaryPrimitives.ReadHalfLittleEndian(data[(b + offset)..]));
                break;
            default:
                throw new InvalidOperationException($"no check for {type}");
        }

        return values;
    }

    private static void Patch(string path, long offset, byte[] bytes)
    {
        using var stream = new FileStream(path, FileMode.Open);
        stream.Position = offset;
        stream.Write(bytes);
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    private static string Temp(string name) => Path.Combine(Directory.CreateTempSubdirectory("wpt-gguf-").FullName, name);
}
