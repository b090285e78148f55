using System.Buffers.Binary;
using System.Text;

namespace WorkingPoint.Gguf;

/// <summary>
/// Reads a GGUF header (v2 and v3, little-endian): metadata and tensor directory, checked against the file's length so a
/// truncated download or a damaged file is named, not loaded. Tensor data is not read.
/// </summary>
public static class GgufReader
{
    // Limits no real model approaches; past them the header is garbage and reading on would allocate without bound.
    private const long MaxEntries = 10_000_000;
    private const int MaxDimensions = 4;

    public static GgufFile Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new GgufFormatException($"{path}: no such GGUF file. Check the path.");
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            return Read(path, stream);
        }
        catch (EndOfStreamException)
        {
            throw new GgufFormatException($"{path}: the file ends inside its header ({stream.Length} bytes): it is truncated; download or generate it again.");
        }
    }

    public static GgufFile Read(string path, Stream stream)
    {
        var reader = new HeaderReader(stream, path);
        var magic = reader.UInt32();
        if (magic != GgufFile.Magic)
        {
            throw new GgufFormatException($"{path}: not a GGUF file (it starts with 0x{magic:X8}, a GGUF file with \"GGUF\"). Pass a .gguf model file.");
        }

        var version = reader.UInt32();
        if (version is not (2 or 3))
        {
            var swapped = BinaryPrimitives.ReverseEndianness(version);
            throw new GgufFormatException(swapped is 2 or 3
                ? $"{path}: a big-endian GGUF file; only little-endian files are read. Convert it on a little-endian machine."
                : version == 1
                    ? $"{path}: GGUF version 1 is obsolete; convert the model again with a current llama.cpp (versions 2 and 3 are read)."
                    : $"{path}: GGUF version {version} is not one this reader knows (2 and 3). Update WorkingPoint, or check the file.");
        }

        var tensorCount = reader.Count("tensor count");
        var metadataCount = reader.Count("metadata count");
        var metadata = new Dictionary<string, GgufValue>(StringComparer.Ordinal);
        for (long i = 0; i < metadataCount; i++)
        {
            var key = reader.String();
            var type = (GgufValueType)reader.UInt32();
            metadata[key] = reader.Value(type, key);
        }

        var alignment = metadata.TryGetValue("general.alignment", out var a) && a.AsInteger is { } al ? al : GgufFile.DefaultAlignment;
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0)
        {
            throw new GgufFormatException($"{path}: general.alignment is {alignment}; it must be a positive power of two. The file is damaged.");
        }

        var tensors = new List<GgufTensorInfo>((int)Math.Min(tensorCount, 1 << 16));
        for (long i = 0; i < tensorCount; i++)
        {
            var name = reader.String();
            var dimensionCount = reader.UInt32();
            if (dimensionCount is 0 or > MaxDimensions)
            {
                throw new GgufFormatException($"{path}: tensor '{name}' has {dimensionCount} dimensions (1 to {MaxDimensions} allowed). The file is damaged.");
            }

            var dims = new long[dimensionCount];
            for (var d = 0; d < dimensionCount; d++)
            {
                var dim = reader.UInt64();
                if (dim > int.MaxValue)
                {
                    throw new GgufFormatException($"{path}: tensor '{name}' has a dimension of {dim}. The file is damaged.");
                }

                dims[d] = (long)dim;
            }

            var type = (GgmlType)reader.UInt32();
            var offset = reader.UInt64();
            if (!GgmlTypeLayout.TryGet(type, out var layout))
            {
                throw new GgufFormatException($"{path}: tensor '{name}' has ggml type {(uint)type}, which this reader does not know. Update WorkingPoint, or requantize the model to a common type (q4_0, q8_0, q4_K, f16).");
            }

            if (dims[0] % layout.BlockElements != 0)
            {
                throw new GgufFormatException($"{path}: tensor '{name}' rows of {dims[0]} elements are not whole {layout.Name} blocks of {layout.BlockElements}. The file is damaged.");
            }

            tensors.Add(new GgufTensorInfo(name, dims, type, (long)offset));
        }

        var dataOffset = Align(stream.Position, alignment);
        var fileBytes = stream.Length;
        foreach (var tensor in tensors)
        {
            if (tensor.Offset % alignment != 0)
            {
                throw new GgufFormatException($"{path}: tensor '{tensor.Name}' starts at offset {tensor.Offset}, not a multiple of the alignment {alignment}. The file is damaged.");
            }

            var end = dataOffset + tensor.Offset + tensor.Bytes;
            if (end > fileBytes)
            {
                throw new GgufFormatException($"{path}: tensor '{tensor.Name}' ends at byte {end} but the file has {fileBytes}: it is truncated; download or generate it again.");
            }
        }

        return new GgufFile(path, version, metadata, tensors, alignment, dataOffset, fileBytes);
    }

    public static long Align(long position, long alignment) => (position + alignment - 1) / alignment * alignment;

    private sealed class HeaderReader(Stream stream, string path)
    {
        private readonly byte[] _buffer = new byte[8];

        public uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Fill(4));

        public ulong UInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Fill(8));

        public long Count(string what)
        {
            var count = UInt64();
            return count <= MaxEntries ? (long)count : throw new GgufFormatException($"{path}: the header's {what} is {count}. The file is damaged or not GGUF.");
        }

        public string String()
        {
            var length = UInt64();
            if (length > (ulong)Math.Max(0, stream.Length - stream.Position))
            {
                throw new EndOfStreamException();
            }

            var bytes = new byte[(int)length];
            stream.ReadExactly(bytes);
            return Encoding.UTF8.GetString(bytes);
        }

        public GgufValue Value(GgufValueType type, string key)
        {
            if (type == GgufValueType.Array)
            {
                var elementType = (GgufValueType)UInt32();
                var count = Count($"length of array '{key}'");
                if (elementType == GgufValueType.Array)
                {
                    throw new GgufFormatException($"{path}: metadata '{key}' is an array of arrays, which GGUF models do not use. The file is damaged.");
                }

                var values = new object[count];
                for (long i = 0; i < count; i++)
                {
                    values[i] = Scalar(elementType, key);
                }

                return new GgufValue(type, values, elementType);
            }

            return new GgufValue(type, Scalar(type, key));
        }

        private object Scalar(GgufValueType type, string key) => type switch
        {
            GgufValueType.UInt8 => (ulong)Fill(1)[0],
            GgufValueType.Int8 => (long)(sbyte)Fill(1)[0],
            GgufValueType.UInt16 => (ulong)BinaryPrimitives.ReadUInt16LittleEndian(Fill(2)),
            GgufValueType.Int16 => (long)BinaryPrimitives.ReadInt16LittleEndian(Fill(2)),
            GgufValueType.UInt32 => (ulong)UInt32(),
            GgufValueType.Int32 => (long)BinaryPrimitives.ReadInt32LittleEndian(Fill(4)),
            GgufValueType.UInt64 => UInt64(),
            GgufValueType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(Fill(8)),
            GgufValueType.Float32 => (double)BinaryPrimitives.ReadSingleLittleEndian(Fill(4)),
            GgufValueType.Float64 => BinaryPrimitives.ReadDoubleLittleEndian(Fill(8)),
            GgufValueType.Bool => Fill(1)[0] != 0,
            GgufValueType.String => String(),
            _ => throw new GgufFormatException($"{path}: metadata '{key}' has value type {(uint)type}, which GGUF does not define. The file is damaged."),
        };

        private ReadOnlySpan<byte> Fill(int count)
        {
            stream.ReadExactly(_buffer, 0, count);
            return _buffer.AsSpan(0, count);
        }
    }
}
