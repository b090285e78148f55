using WorkingPoint.Core;
using System.Buffers.Binary;
using System.Text;

namespace WorkingPoint.Onnx.Protobuf;

/// <summary>A file that is not valid ONNX (truncated, damaged, or something else entirely); the message names the file and the fix.</summary>
public sealed class OnnxFormatException : WorkingPointException
{
    public OnnxFormatException(string message)
        : base(message)
    {
    }
}

/// <summary>One field as read: its number, wire type, and either its varint/fixed value or the span of its bytes.</summary>
public readonly record struct ProtoField(int Number, int WireType, ulong Scalar, int Offset, int Length)
{
    public long Int64 => unchecked((long)Scalar);

    public float Float32 => BitConverter.Int32BitsToSingle(unchecked((int)Scalar));

    public double Float64 => BitConverter.Int64BitsToDouble(unchecked((long)Scalar));
}

/// <summary>
/// Protocol Buffers wire format, read by hand over a byte buffer: each call to <see cref="Next"/> yields one field, length-delimited
/// fields as an offset and length into the buffer (nested messages are read by a reader over that slice), and unknown fields are
/// simply skipped. A field that runs past the end of its message is reported with the byte offset, as truncation usually causes.
/// </summary>
public struct ProtoReader
{
    private readonly byte[] _buffer;
    private readonly int _end;
    private readonly string _source;
    private int _position;

    public ProtoReader(byte[] buffer, int offset, int length, string source)
    {
        _buffer = buffer;
        _position = offset;
        _end = offset + length;
        _source = source;
    }

    public readonly byte[] Buffer => _buffer;

    public readonly string Source => _source;

    public bool Next(out ProtoField field)
    {
        if (_position >= _end)
        {
            field = default;
            return false;
        }

        var start = _position;
        var tag = ReadVarint();
        var number = (int)(tag >> 3);
        var wire = (int)(tag & 7);
        if (number == 0)
        {
            throw Damaged(start, "field number 0");
        }

        switch (wire)
        {
            case 0:
                field = new ProtoField(number, wire, ReadVarint(), 0, 0);
                return true;
            case 1:
                Require(start, 8);
                field = new ProtoField(number, wire, BinaryPrimitives.ReadUInt64LittleEndian(_buffer.AsSpan(_position, 8)), 0, 0);
                _position += 8;
                return true;
            case 5:
                Require(start, 4);
                field = new ProtoField(number, wire, BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_position, 4)), 0, 0);
                _position += 4;
                return true;
            case 2:
                var length = ReadVarint();
                if (length > int.MaxValue)
                {
                    throw Damaged(start, "a length beyond 2 GiB");
                }

                Require(start, (long)length);
                field = new ProtoField(number, wire, 0, _position, (int)length);
                _position += (int)length;
                return true;
            default:
                throw Damaged(start, $"wire type {wire}");
        }
    }

    public readonly ProtoReader Nested(ProtoField field) => new(_buffer, field.Offset, field.Length, _source);

    public readonly string String(ProtoField field) => Encoding.UTF8.GetString(_buffer, field.Offset, field.Length);

    /// <summary>A repeated varint field, packed (one length-delimited run) or not (one value per field).</summary>
    public readonly void AddVarints(ProtoField field, List<long> into)
    {
        if (field.WireType == 0)
        {
            into.Add(field.Int64);
            return;
        }

        var packed = Nested(field);
        while (packed._position < packed._end)
        {
            into.Add(unchecked((long)packed.ReadVarint()));
        }
    }

    /// <summary>A repeated float field, packed or not.</summary>
    public readonly void AddFloats(ProtoField field, List<float> into)
    {
        if (field.WireType == 5)
        {
            into.Add(field.Float32);
            return;
        }

        for (var i = 0; i + 4 <= field.Length; i += 4)
        {
            into.Add(BinaryPrimitives.ReadSingleLittleEndian(_buffer.AsSpan(field.Offset + i, 4)));
        }
    }

    /// <summary>A repeated double field, packed or not.</summary>
    public readonly void AddDoubles(ProtoField field, List<double> into)
    {
        if (field.WireType == 1)
        {
            into.Add(field.Float64);
            return;
        }

        for (var i = 0; i + 8 <= field.Length; i += 8)
        {
            into.Add(BinaryPrimitives.ReadDoubleLittleEndian(_buffer.AsSpan(field.Offset + i, 8)));
        }
    }

    private ulong ReadVarint()
    {
        var start = _position;
        ulong value = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (_position >= _end)
            {
                throw Truncated(start);
            }

            var b = _buffer[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw Damaged(start, "a varint longer than 10 bytes");
    }

    // In long: a length near 2^31 added to the position must not wrap around and pass the check.
    private readonly void Require(int fieldStart, long bytes)
    {
        if (bytes < 0 || _position + bytes > _end)
        {
            throw Truncated(fieldStart);
        }
    }

    private readonly OnnxFormatException Truncated(int offset) =>
        new($"{_source}: the file ends in the middle of a field at byte {offset} of {_buffer.Length} (truncated or damaged); copy or re-export the model again.");

    private readonly OnnxFormatException Damaged(int offset, string what) =>
        new($"{_source}: not a valid ONNX file ({what} at byte {offset}); check that it is an .onnx model, or re-export it.");
}
