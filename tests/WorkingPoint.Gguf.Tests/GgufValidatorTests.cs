using System.Buffers.Binary;
using System.Text;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Gguf.Tests;

/// <summary>Files llama.cpp would abort on (GGML_ASSERT) are refused by the validator with one line first.</summary>
public sealed class GgufValidatorTests
{
    [Fact]
    public void A_synthesized_file_passes()
    {
        var path = TinyLlm.File();
        GgufValidator.Validate(GgufReader.Read(path), new FileInfo(path).Length);
    }

    [Fact]
    public void A_nan_rms_epsilon_is_refused_with_the_rule()
    {
        var path = Patched("nan-eps.gguf", bytes => SetValueAfterKey(bytes, "llama.attention.layer_norm_rms_epsilon", BitConverter.GetBytes(float.NaN)));
        var error = Assert.Throws<GgufFormatException>(() => GgufValidator.Validate(GgufReader.Read(path), new FileInfo(path).Length));
        Assert.Contains("layer_norm_rms_epsilon", error.Message, StringComparison.Ordinal);
        Assert.Contains("finite number above 0", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(7u)]
    [InlineData(128u)]
    public void A_rope_dimension_count_that_is_zero_odd_or_beyond_the_head_is_refused(uint rope)
    {
        var path = Patched($"rope-{rope}.gguf", bytes => SetValueAfterKey(bytes, "llama.rope.dimension_count", BitConverter.GetBytes(rope)));
        var error = Assert.Throws<GgufFormatException>(() => GgufValidator.Validate(GgufReader.Read(path), new FileInfo(path).Length));
        Assert.Contains("positive even number no larger than the head size (64)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void One_flipped_byte_in_a_token_string_is_refused_as_invalid_utf8()
    {
        var path = Patched("bad-token.gguf", bytes =>
        {
            var at = IndexOf(bytes, Encoding.UTF8.GetBytes("\u2581"));
            bytes[at] = 0xFF;
        });
        var error = Assert.Throws<GgufFormatException>(() => GgufReader.Read(path));
        Assert.Contains("metadata 'tokenizer.ggml.tokens' holds bytes that are not valid UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_special_token_id_outside_the_vocabulary_is_refused()
    {
        var path = Patched("bos.gguf", bytes => SetValueAfterKey(bytes, "tokenizer.ggml.bos_token_id", BitConverter.GetBytes(5000u)));
        var error = Assert.Throws<GgufFormatException>(() => GgufValidator.Validate(GgufReader.Read(path), new FileInfo(path).Length));
        Assert.Contains("'tokenizer.ggml.bos_token_id' is 5000, outside the vocabulary of 1024 tokens", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_huge_array_length_is_refused_before_anything_is_allocated()
    {
        var path = Patched("array.gguf", bytes =>
        {
            // tokens: key, type 9 (array), element type 8 (string), then the length.
            var at = IndexOf(bytes, Encoding.UTF8.GetBytes("tokenizer.ggml.tokens")) + "tokenizer.ggml.tokens".Length + 8;
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(at), 9_000_000);
        });
        var error = Assert.Throws<GgufFormatException>(() => GgufReader.Read(path));
        Assert.Contains("length of array 'tokenizer.ggml.tokens' is 9000000, more than the", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_file_is_refused_by_the_validator_with_the_tensor_that_does_not_fit()
    {
        var path = TinyLlm.File();
        var file = GgufReader.Read(path);
        var error = Assert.Throws<GgufFormatException>(() => GgufValidator.Validate(file, file.FileBytes - 1));
        Assert.Contains("it is truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_content_hash_sidecar_matches_until_one_byte_changes()
    {
        var path = TinyLlm.Copy("hashed.gguf");
        Assert.False(ContentHash.MatchesSidecar(path));
        ContentHash.WriteSidecar(path);
        Assert.True(ContentHash.MatchesSidecar(path));

        var bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 1;
        File.WriteAllBytes(path, bytes);
        Assert.False(ContentHash.MatchesSidecar(path));
    }

    private static string Patched(string name, Action<byte[]> patch)
    {
        var path = TinyLlm.Copy(name);
        var bytes = File.ReadAllBytes(path);
        patch(bytes);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Overwrites a scalar value: after the key's bytes come its 4-byte type, then the value.</summary>
    private static void SetValueAfterKey(byte[] bytes, string key, byte[] value)
    {
        var at = IndexOf(bytes, Encoding.UTF8.GetBytes(key)) + key.Length + 4;
        value.CopyTo(bytes, at);
    }

    private static int IndexOf(byte[] bytes, byte[] pattern)
    {
        var at = bytes.AsSpan().IndexOf(pattern);
        Assert.True(at >= 0, $"pattern not found in the test file");
        return at;
    }
}
