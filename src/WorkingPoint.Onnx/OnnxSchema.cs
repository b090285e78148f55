namespace WorkingPoint.Onnx;

/// <summary>Field numbers and enum values of onnx.proto (the ONNX IR), for the messages WorkingPoint reads and writes.</summary>
public static class OnnxSchema
{
    public static class Model
    {
        public const int IrVersion = 1;
        public const int ProducerName = 2;
        public const int ProducerVersion = 3;
        public const int DocString = 6;
        public const int Graph = 7;
        public const int OpsetImport = 8;
    }

    public static class OperatorSetId
    {
        public const int Domain = 1;
        public const int Version = 2;
    }

    public static class Graph
    {
        public const int Node = 1;
        public const int Name = 2;
        public const int Initializer = 5;
        public const int DocString = 10;
        public const int Input = 11;
        public const int Output = 12;
        public const int ValueInfo = 13;
    }

    public static class Node
    {
        public const int Input = 1;
        public const int Output = 2;
        public const int Name = 3;
        public const int OpType = 4;
        public const int Attribute = 5;
        public const int Domain = 7;
    }

    public static class Attribute
    {
        public const int Name = 1;
        public const int F = 2;
        public const int I = 3;
        public const int S = 4;
        public const int T = 5;
        public const int G = 6;
        public const int Floats = 7;
        public const int Ints = 8;
        public const int Strings = 9;
        public const int Graphs = 11;
        public const int Type = 20;

        public const int TypeFloat = 1;
        public const int TypeInt = 2;
        public const int TypeString = 3;
        public const int TypeTensor = 4;
        public const int TypeGraph = 5;
        public const int TypeFloats = 6;
        public const int TypeInts = 7;
        public const int TypeStrings = 8;
        public const int TypeGraphs = 10;
    }

    public static class Tensor
    {
        public const int Dims = 1;
        public const int DataType = 2;
        public const int FloatData = 4;
        public const int Int32Data = 5;
        public const int Int64Data = 7;
        public const int Name = 8;
        public const int RawData = 9;
        public const int DoubleData = 10;
        public const int ExternalData = 13;
        public const int DataLocation = 14;
    }

    public static class ValueInfo
    {
        public const int Name = 1;
        public const int Type = 2;
    }

    public static class Type
    {
        public const int TensorType = 1;
        public const int TensorElementType = 1;
        public const int TensorShape = 2;
        public const int ShapeDim = 1;
        public const int DimValue = 1;
        public const int DimParam = 2;
    }

    /// <summary>TensorProto.DataType values.</summary>
    public enum DataType
    {
        Undefined = 0,
        Float = 1,
        UInt8 = 2,
        Int8 = 3,
        UInt16 = 4,
        Int16 = 5,
        Int32 = 6,
        Int64 = 7,
        String = 8,
        Bool = 9,
        Float16 = 10,
        Double = 11,
        UInt32 = 12,
        UInt64 = 13,
        BFloat16 = 16,
    }

    /// <summary>Bytes per element of a data type, or 0 where it has no fixed size (strings).</summary>
    public static int BytesPerElement(DataType type) => type switch
    {
        DataType.Float or DataType.Int32 or DataType.UInt32 => 4,
        DataType.UInt8 or DataType.Int8 or DataType.Bool => 1,
        DataType.UInt16 or DataType.Int16 or DataType.Float16 or DataType.BFloat16 => 2,
        DataType.Int64 or DataType.Double or DataType.UInt64 => 8,
        _ => 0,
    };
}
