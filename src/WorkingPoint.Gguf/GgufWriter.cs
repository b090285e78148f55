using System.Buffers.Binary;
using System.Text;
using WorkingPoint.Core.Files;

namespace WorkingPoint.Gguf;

/// <summary>A tensor to write: name, dimensions innermost first, and type; the writer assigns offsets.</summary>
public sealed record GgufTensorSpec(string Name, IReadOnlyList<long> Dimensions, GgmlType Type)
{
    public long Bytes => new GgufTensorInfo(Name, Dimensions, Type, 0).Bytes;
}

/// <summary>
/// Writes a GGUF v3 file: header, metadata and tensor directory, then each tensor's data streamed from a callback, so a model
/// larger than memory is written without holding it. The file appears under its name only once complete.
/// </summary>
public static class GgufWriter
{
    public const uint Version = 3;

    /// <summary>Writes the file; <paramref name="writeTensor"/> must write exactly the tensor's bytes to the stream it is given.</summary>
    public static void Write(
        string path,
        IReadOnlyList<KeyValuePair<string, GgufValue>> metadata,
        IReadOnlyList<GgufTensorSpec> tensors,
        Action<GgufTensorSpec, Stream> writeTensor,
        Action<long>? bytesWritten = null)
    {
        var alignment = metadata.FirstOrDefault(m => m.Key == "general.alignment").Value?.AsInteger ?? GgufFile.DefaultAlignment;
        AtomicFile.Write(path, file =>
        {
            WriteHeader(file, metadata, tensors, alignment);
            Pad(file, alignment);
            var dataStart = file.Position;
            foreach (var tensor in tensors)
            {
                var start = file.Position;
                writeTensor(tensor, file);
                var length = file.Position - start;
                if (length != tensor.Bytes)
                {
                    throw new InvalidOperationException($"Tensor '{tensor.Name}' wrote {length} bytes, its type and shape need {tensor.Bytes}.");
                }

                Pad(file, alignment);
                bytesWritten?.Invoke(file.Position - dataStart);
            }
        }, temporarySuffix: ".partial");
    }

    /// <summary>The bytes the file will take, header included: to check disk space before writing.</summary>
    public static long FileBytes(IReadOnlyList<KeyValuePair<string, GgufValue>> metadata, IReadOnlyList<GgufTensorSpec> tensors, long alignment = GgufFile.DefaultAlignment)
    {
        using var counter = new CountingStream();
        WriteHeader(counter, metadata, tensors, alignment);
        return GgufReader.Align(counter.Length, alignment) + tensors.Sum(t => GgufReader.Align(t.Bytes, alignment));
    }

    private static void WriteHeader(Stream stream, IReadOnlyList<KeyValuePair<string, GgufValue>> metadata, IReadOnlyList<GgufTensorSpec> tensors, long alignment)
    {
        var w = new LittleEndianWriter(stream);
        w.UInt32(GgufFile.Magic);
        w.UInt32(Version);
        w.UInt64((ulong)tensors.Count);
        w.UInt64((ulong)metadata.Count);
        foreach (var (key, value) in metadata)
        {
            w.String(key);
            w.UInt32((uint)value.Type);
            if (value.Type == GgufValueType.Array)
            {
                var items = (System.Collections.IList)value.Value;
                w.UInt32((uint)value.ElementType!.Value);
                w.UInt64((ulong)items.Count);
                foreach (var item in items)
                {
                    w.Scalar(value.ElementType.Value, item!);
                }
            }
            else
            {
                w.Scalar(value.Type, value.Value);
            }
        }

        long offset = 0;
        foreach (var tensor in tensors)
        {
            w.String(tensor.Name);
            w.UInt32((uint)tensor.Dimensions.Count);
            foreach (var d in tensor.Dimensions)
            {
                w.UInt64((ulong)d);
            }

            w.UInt32((uint)tensor.Type);
            w.UInt64((ulong)offset);
            offset += GgufReader.Align(tensor.Bytes, alignment);
        }
    }

    private static void Pad(Stream stream, long alignment)
    {
        var padding = (int)(GgufReader.Align(stream.Position, alignment) - stream.Position);
        Span<byte> zeros = stackalloc byte[padding];
        zeros.Clear();
        stream.Write(zeros);
    }

    private sealed class LittleEndianWriter(Stream stream)
    {
        private readonly byte[] _buffer = new byte[8];

        public void UInt32(uint value)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(_buffer, value);
            stream.Write(_buffer, 0, 4);
        }

        public void UInt64(ulong value)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(_buffer, value);
            stream.Write(_buffer, 0, 8);
        }

        public void String(string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            UInt64((ulong)bytes.Length);
            stream.Write(bytes);
        }

        public void Scalar(GgufValueType type, object value)
        {
            switch (type)
            {
                case GgufValueType.UInt8: stream.WriteByte((byte)Convert.ToUInt64(value, null)); break;
                case GgufValueType.Int8: stream.WriteByte((byte)(sbyte)Convert.ToInt64(value, null)); break;
                case GgufValueType.UInt16: BinaryPrimitives.WriteUInt16LittleEndian(_buffer, (ushort)Convert.ToUInt64(value, null)); stream.Write(_buffer, 0, 2); break;
                case GgufValueType.Int16: BinaryPrimitives.WriteInt16LittleEndian(_buffer, (short)Convert.ToInt64(value, null)); stream.Write(_buffer, 0, 2); break;
                case GgufValueType.UInt32: UInt32((uint)Convert.ToUInt64(value, null)); break;
                case GgufValueType.Int32: BinaryPrimitives.WriteInt32LittleEndian(_buffer, (int)Convert.ToInt64(value, null)); stream.Write(_buffer, 0, 4); break;
                case GgufValueType.UInt64: UInt64(Convert.ToUInt64(value, null)); break;
                case GgufValueType.Int64: BinaryPrimitives.WriteInt64LittleEndian(_buffer, Convert.ToInt64(value, null)); stream.Write(_buffer, 0, 8); break;
                case GgufValueType.Float32: BinaryPrimitives.WriteSingleLittleEndian(_buffer, (float)Convert.ToDouble(value, null)); stream.Write(_buffer, 0, 4); break;
                case GgufValueType.Float64: BinaryPrimitives.WriteDoubleLittleEndian(_buffer, Convert.ToDouble(value, null)); stream.Write(_buffer, 0, 8); break;
                case GgufValueType.Bool: stream.WriteByte((bool)value ? (byte)1 : (byte)0); break;
                case GgufValueType.String: String((string)value); break;
                default: throw new ArgumentException($"Cannot write a GGUF value of type {type}.");
            }
        }
    }

    /// <summary>A write-only stream that only counts, to size the header without writing it.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => _length += count;

        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;

        public override void WriteByte(byte value) => _length++;
    }
}
