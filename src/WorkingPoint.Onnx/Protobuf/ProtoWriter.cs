using System.Buffers.Binary;
using System.Text;

namespace WorkingPoint.Onnx.Protobuf;

/// <summary>
/// Protocol Buffers wire format, written by hand (varints, length-delimited fields, fixed 32-bit floats): enough for ONNX's
/// messages, with no generated code. Large byte fields can be streamed after a header, so a model's weights never need to be
/// held in memory at once.
/// </summary>
public sealed class ProtoWriter
{
    private const int WireVarint = 0;
    private const int WireFixed32 = 5;
    private const int WireLengthDelimited = 2;

    private readonly Stream _stream;

    public ProtoWriter(Stream stream) => _stream = stream;

    public static int VarintSize(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    /// <summary>Bytes a length-delimited field of <paramref name="length"/> bytes takes, tag and length prefix included.</summary>
    public static long LengthDelimitedSize(int field, long length) => VarintSize(Tag(field, WireLengthDelimited)) + VarintSize((ulong)length) + length;

    public void Varint(ulong value)
    {
        Span<byte> buffer = stackalloc byte[10];
        var n = 0;
        while (value >= 0x80)
        {
            buffer[n++] = (byte)(value | 0x80);
            value >>= 7;
        }

        buffer[n++] = (byte)value;
        _stream.Write(buffer[..n]);
    }

    public void Int64(int field, long value)
    {
        Varint(Tag(field, WireVarint));
        Varint(unchecked((ulong)value));
    }

    public void Float(int field, float value)
    {
        Varint(Tag(field, WireFixed32));
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        _stream.Write(bytes);
    }

    public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        LengthDelimitedHeader(field, value.Length);
        _stream.Write(value);
    }

    /// <summary>Packed repeated int64 (proto3's default encoding for repeated scalars).</summary>
    public void PackedInt64(int field, IReadOnlyList<long> values)
    {
        var body = new MemoryStream();
        var inner = new ProtoWriter(body);
        foreach (var value in values)
        {
            inner.Varint(unchecked((ulong)value));
        }

        Bytes(field, body.ToArray());
    }

    public void Message(int field, Action<ProtoWriter> write) => Bytes(field, Build(write));

    /// <summary>The tag and length of a field whose <paramref name="length"/> bytes the caller writes next, straight to the stream.</summary>
    public void LengthDelimitedHeader(int field, long length)
    {
        Varint(Tag(field, WireLengthDelimited));
        Varint((ulong)length);
    }

    public void Raw(ReadOnlySpan<byte> bytes) => _stream.Write(bytes);

    public static byte[] Build(Action<ProtoWriter> write)
    {
        using var body = new MemoryStream();
        write(new ProtoWriter(body));
        return body.ToArray();
    }

    private static ulong Tag(int field, int wireType) => ((ulong)field << 3) | (uint)wireType;
}
