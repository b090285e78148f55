namespace WorkingPoint.Onnx.Import;

/// <summary>Index arithmetic for small constant tensors (shape computations) and for broadcasting shapes.</summary>
internal static class Folding
{
    public static long Elements(IReadOnlyList<long> shape) => shape.Aggregate(1L, (a, b) => checked(a * b));

    public static long[] Strides(IReadOnlyList<long> shape)
    {
        var strides = new long[shape.Count];
        long stride = 1;
        for (var i = shape.Count - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= shape[i];
        }

        return strides;
    }

    /// <summary>NumPy broadcasting of any number of shapes; null when they do not broadcast.</summary>
    public static long[]? Broadcast(params IReadOnlyList<long>[] shapes)
    {
        var rank = shapes.Max(s => s.Count);
        var result = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            long dim = 1;
            foreach (var shape in shapes)
            {
                var j = i - (rank - shape.Count);
                if (j < 0)
                {
                    continue;
                }

                var d = shape[j];
                if (d == 1)
                {
                    continue;
                }

                if (dim != 1 && dim != d)
                {
                    return null;
                }

                dim = d;
            }

            result[i] = dim;
        }

        return result;
    }

    /// <summary>Reads <paramref name="values"/> of <paramref name="shape"/> at an output index of <paramref name="outShape"/>, broadcasting.</summary>
    public static double At(double[] values, IReadOnlyList<long> shape, long[] outIndex)
    {
        long flat = 0, stride = 1;
        for (var i = shape.Count - 1; i >= 0; i--)
        {
            var j = outIndex[i + (outIndex.Length - shape.Count)];
            flat += (shape[i] == 1 ? 0 : j) * stride;
            stride *= shape[i];
        }

        return values[flat];
    }

    public static long[] Unflatten(long flat, IReadOnlyList<long> shape)
    {
        var index = new long[shape.Count];
        for (var i = shape.Count - 1; i >= 0; i--)
        {
            index[i] = shape[i] == 0 ? 0 : flat % shape[i];
            flat = shape[i] == 0 ? 0 : flat / shape[i];
        }

        return index;
    }

    /// <summary>Element-wise over broadcast inputs.</summary>
    public static double[] Map(long[] outShape, IReadOnlyList<(double[] Values, IReadOnlyList<long> Shape)> inputs, Func<double[], double> f)
    {
        var count = Elements(outShape);
        var result = new double[count];
        var args = new double[inputs.Count];
        for (long i = 0; i < count; i++)
        {
            var index = Unflatten(i, outShape);
            for (var k = 0; k < inputs.Count; k++)
            {
                args[k] = At(inputs[k].Values, inputs[k].Shape, index);
            }

            result[i] = f(args);
        }

        return result;
    }

    /// <summary>Normalizes a possibly negative axis against a rank.</summary>
    public static int Axis(long axis, int rank) => (int)(axis < 0 ? axis + rank : axis);
}
