using System;
using System.Globalization;
using System.IO;

namespace Convotron.Cli.Infrastructure;

/// <summary>Checks on a file the user names as input, before anything reads it.</summary>
internal static class InputFile
{
    /// <summary>
    /// Refuses a directory given where a file is read (the readers would say "Could not find file"),
    /// as a bad input file (exit 1, like a missing one), saying what is expected.
    /// </summary>
    /// <param name="name">The argument, e.g. DATA.</param>
    /// <param name="path">The path given.</param>
    /// <param name="expected">What the file must be, e.g. "a .csv or .npy file".</param>
    public static void Require(string name, string path, string expected)
    {
        if (Directory.Exists(path))
            throw new InvalidFileException(path, "", $"this is a directory; {name} must be {expected}.");
    }

    /// <summary>
    /// Where 0-based data row <paramref name="row"/> of a table read from <paramref name="path"/> is, as
    /// an <see cref="InvalidFileException"/> location: its line for CSV (after the header if there is
    /// one; the reader refuses blank lines inside the data), "row N" for .npy.
    /// </summary>
    public static string RowPlace(string path, bool hasHeader, int row) =>
        path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase)
            ? "row " + (row + 1).ToString(CultureInfo.InvariantCulture)
            : (row + 1 + (hasHeader ? 1 : 0)).ToString(CultureInfo.InvariantCulture);
}
