using System;
using System.Globalization;
using Convotron.Cli.Data;
using Convotron.Cli.Infrastructure;

namespace Convotron.Cli.Commands;

/// <summary>
/// The data file of <c>convotron fit</c>: the checks that refuse it with its own words (too few rows,
/// a constant label, a d that disagrees with the geometry), its extremes (named when a scale
/// overflows) and the inputs and labels handed to <see cref="ConvNetFit"/>.
/// </summary>
internal static class FitInput
{
    /// <summary>
    /// Checks the table against the geometry and the options (refusing what <see cref="ConvNetFit"/>
    /// would, with the file's and the options' names), warns where the layout looks wrong, and
    /// returns the label column and the number of training rows.
    /// </summary>
    public static (int LabelColumn, int TrainRows) Check(Table table, string dataPath, string? label, PatchGeometry geometry, FitOptions options, CommandContext context)
    {
        int labelColumn = table.LabelColumn(label);
        int d = table.Columns - 1;
        if (d != geometry.InputSize)
            throw new UsageException($"--geometry: {geometry} has d = {geometry.InputSize} inputs but {dataPath} has {d} input columns (plus the label).");
        int n = table.Rows;
        if (n < 3)
            throw new InvalidFileException(dataPath, "", $"{n} data row{(n == 1 ? "" : "s")}; fit needs at least 3 (at least 2 to train on and 1 to validate).");
        CheckLabelsVary(table, labelColumn);
        WarnIfLayoutLooks1D(table, geometry, labelColumn, context);
        int validationRows = ConvNetFit.ValidationRows(n, options.ValidationFraction);
        if (validationRows < 1 || n - validationRows < 2)
            throw new UsageException($"--validation: {options.ValidationFraction.ToString(CultureInfo.InvariantCulture)} of {n} rows leaves {n - validationRows} training and {validationRows} validation rows; need at least 2 and 1.");
        CheckRowsExceedParameters(dataPath, options, geometry, n, n - validationRows);
        return (labelColumn, n - validationRows);
    }

    /// <summary>
    /// Moves the inputs to the front of the table's own array, rows of d without the label (n·d
    /// values; the rest is left over), and the labels into their own: done in place, since the
    /// table's array is the only copy of the data (fresh memory costs more than the copying). The
    /// table's values are meaningless afterwards.
    /// </summary>
    public static (double[] X, double[] Y) Split(Table table, int labelColumn)
    {
        int n = table.Rows, m = table.Columns, d = m - 1;
        double[] values = table.ReleaseValues();
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            // Row i moves down to i·d (never past the part of row i not yet moved: i·d + c ≤ i·m + c).
            y[i] = values[i * m + labelColumn];
            values.AsSpan(i * m, labelColumn).CopyTo(values.AsSpan(i * d));
            values.AsSpan(i * m + labelColumn + 1, d - labelColumn).CopyTo(values.AsSpan(i * d + labelColumn));
        }
        return (values, y);
    }

    /// <summary>
    /// Refuses fewer training rows than the fit needs: more than the r + k − 1 identifiable
    /// parameters (w and a up to one common scale), so that least squares is determined and the
    /// residuals estimate the noise. Says how many rows the file needs under --validation.
    /// </summary>
    private static void CheckRowsExceedParameters(string dataPath, FitOptions options, PatchGeometry geometry, int n, int trainRows)
    {
        long parameters = ConvNetFit.ParameterCount(geometry), needed = parameters + 1;
        if (trainRows < needed)
        {
            long total = needed;
            while (total - (long)Math.Round(total * options.ValidationFraction) < needed || Math.Round(total * options.ValidationFraction) < 1)
                total++;
            throw new InvalidFileException(dataPath, "", string.Create(CultureInfo.InvariantCulture,
                $"{n} data rows leave {trainRows} training rows after --validation {options.ValidationFraction}, but geometry {geometry} has r + k − 1 = {geometry.FilterSize} + {geometry.PatchCount} − 1 = {parameters} parameters to fit: it needs at least {needed} training rows, so at least {total} rows in the file (or a smaller geometry)."));
        }
        if (options.FinishRows < needed)
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"--refine-samples: {options.FinishRows} rows cannot determine the r + k − 1 = {parameters} parameters of geometry {geometry}; it must be at least {needed}."));
    }

    /// <summary>A value of the table with its place (<see cref="InputFile.RowPlace"/>) and its column.</summary>
    internal sealed record Extreme(double Value, string Location, string Column);

    /// <summary>The input and the label of the largest magnitude, with their places, before the rows are shuffled.</summary>
    public static (Extreme Input, Extreme Label) Extremes(Table table, int labelColumn)
    {
        (int Row, int Column, double Magnitude) input = (0, labelColumn == 0 ? 1 : 0, -1.0), label = (0, labelColumn, -1.0);
        for (int i = 0; i < table.Rows; i++)
        {
            ReadOnlySpan<double> row = table.Row(i);
            for (int c = 0; c < table.Columns; c++)
            {
                ref (int Row, int Column, double Magnitude) best = ref c == labelColumn ? ref label : ref input;
                if (Math.Abs(row[c]) > best.Magnitude)
                    best = (i, c, Math.Abs(row[c]));
            }
        }
        Extreme At((int Row, int Column, double Magnitude) at) => new(table.Row(at.Row)[at.Column], InputFile.RowPlace(table.Path, table.Header is not null, at.Row),
            table.Header is null ? string.Create(CultureInfo.InvariantCulture, $"column {at.Column + 1}") : $"column '{table.Header[at.Column]}'");
        return (At(input), At(label));
    }

    /// <summary>A constant label leaves nothing to learn, and every relative error (divided by Var(y) = 0) would be meaningless.</summary>
    private static void CheckLabelsVary(Table table, int labelColumn)
    {
        double first = table.Row(0)[labelColumn];
        for (int i = 1; i < table.Rows; i++)
        {
            if (table.Row(i)[labelColumn] != first)
                return;
        }
        throw new InvalidFileException(table.Path, "", $"the label column {LabelName(table, labelColumn)} is {Invariant.R(first)} in every row: there is nothing to learn, and the relative error (which divides by the label's variance) is undefined. Check --label.");
    }

    private static string LabelName(Table table, int labelColumn) =>
        table.Header is null ? string.Create(CultureInfo.InvariantCulture, $"(column {labelColumn + 1})") : $"'{table.Header[labelColumn]}'";

    /// <summary>
    /// A 2D geometry reads the inputs as a row-major height × width image. When the header names the
    /// inputs like a 1D signal (x0, x1, …, as make-data writes them), the data was probably not made
    /// as images: say so, since the fit would run without complaint.
    /// </summary>
    private static void WarnIfLayoutLooks1D(Table table, PatchGeometry geometry, int labelColumn, CommandContext context)
    {
        if (geometry.Layout != PatchLayout.Strided2D || table.Header is null)
            return;
        int t = 0;
        for (int c = 0; c < table.Columns; c++)
        {
            if (c == labelColumn)
                continue;
            if (table.Header[c] != "x" + t.ToString(CultureInfo.InvariantCulture))
                return;
            t++;
        }
        context.Warn($"--geometry {geometry} reads the {geometry.InputSize} inputs as a row-major image, but the columns of {table.Path} are named x0..x{t - 1} like a 1D signal. If the rows are not images flattened row by row, use a 1d geometry (e.g. 1d:r=..,s=..,d={geometry.InputSize}).");
    }
}
