using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;

namespace Convotron;

/// <summary>A model read from a model file: the network and, if the file has them, its preprocessing and label column.</summary>
/// <param name="Model">The network (geometry, activation, w, a).</param>
/// <param name="Preprocessing">The preprocessing fitted with it, or null.</param>
public sealed record LoadedModel(DynamicConvNet Model, Preprocessing? Preprocessing)
{
    /// <summary>The label column of the data the model was fitted on, or null (files written before it was recorded, or models not fitted to a table).</summary>
    public LabelColumn? Label { get; init; }
}

/// <summary>Where the label was in the table a model was fitted on: so that predictions on a table of the same layout use the same column.</summary>
/// <param name="Name">The column's name in the header, or null when the table had no header.</param>
/// <param name="Index">The column's 0-based position.</param>
/// <param name="Columns">How many columns the table had (inputs and label).</param>
public sealed record LabelColumn(string? Name, int Index, int Columns);

/// <summary>Thrown when a model, data or result file is malformed; the message names the file and the place (line and column, or byte offset).</summary>
public sealed class InvalidFileException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InvalidFileException(string path, string location, string detail, Exception? inner = null)
        : base($"{path}{(location.Length > 0 ? ":" + location : "")}: {detail}", inner)
    {
        FilePath = path;
        Location = location;
    }

    /// <summary>The file.</summary>
    public string FilePath { get; }

    /// <summary>Where in the file (e.g. "line 3, column 7" or "byte 80"); empty when the whole file is at fault.</summary>
    public string Location { get; }
}

/// <summary>
/// Saves and loads models as JSON: format name and version, geometry (the 1d/2d syntax of
/// <see cref="PatchGeometry.Parse"/>, or d and the patch lists), activation slope, w, a and
/// optional preprocessing. Doubles are written round-trippably; files are written atomically.
/// Reflection-free, so it works trimmed and AOT-compiled.
/// </summary>
public static class ModelFile
{
    /// <summary>The "format" value of a model file.</summary>
    public const string Format = "convotron-model";

    /// <summary>The version written.</summary>
    public const int Version = 1;

    /// <summary>Writes <paramref name="model"/> (and optional preprocessing and label column) to <paramref name="path"/> atomically.</summary>
    /// <exception cref="ArgumentException">The preprocessing's length is not d, or the label column lies outside its table or the table does not have d + 1 columns.</exception>
    public static void Save(string path, IConvNet model, Preprocessing? preprocessing = null, LabelColumn? label = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Check(model, preprocessing, label);
        AtomicFile.Write(path, stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            Write(json, model, preprocessing, label);
        });
    }

    /// <summary>The JSON text of a model file for <paramref name="model"/>.</summary>
    public static string ToJson(IConvNet model, Preprocessing? preprocessing = null, LabelColumn? label = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Check(model, preprocessing, label);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            Write(json, model, preprocessing, label);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Check(IConvNet model, Preprocessing? preprocessing, LabelColumn? label)
    {
        if (preprocessing is not null)
            Guard.Length(preprocessing.InputMean.Length, model.Geometry.InputSize, "d");
        if (label is not null)
        {
            Guard.Length(label.Columns, model.Geometry.InputSize + 1, "d + 1");
            if (label.Index < 0 || label.Index >= label.Columns)
                throw new ArgumentOutOfRangeException(nameof(label), label.Index, $"The label column's index must lie in [0, {label.Columns - 1}].");
        }
    }

    /// <summary>Reads a model file.</summary>
    /// <exception cref="InvalidFileException">The file is not valid JSON, not a model file, or its lengths disagree with its geometry.</exception>
    public static LoadedModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return FromJson(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses model-file JSON; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="InvalidFileException">The JSON is malformed or inconsistent.</exception>
    public static LoadedModel FromJson(ReadOnlySpan<byte> utf8Json, string source = "<model>")
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json.ToArray(), new JsonDocumentOptions { AllowTrailingCommas = false });
        }
        catch (JsonException e)
        {
            throw new InvalidFileException(source,
                string.Create(CultureInfo.InvariantCulture, $"line {(e.LineNumber ?? 0) + 1}, column {(e.BytePositionInLine ?? 0) + 1}"),
                "not valid JSON: " + JsonMessage(e.Message), e);
        }
        using (document)
        {
            try
            {
                return Read(document.RootElement);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or KeyNotFoundException)
            {
                throw new InvalidFileException(source, "", Detail(e), e);
            }
        }
    }

    /// <summary>An exception's message for a file's reader: without the code's parameter name and "Actual value was" suffixes.</summary>
    private static string Detail(Exception e)
    {
        string message = e.Message;
        if (e is ArgumentException { ParamName: { } name })
            message = message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal);
        int actual = message.IndexOf("Actual value was", StringComparison.Ordinal);
        return (actual >= 0 ? message[..actual] : message).Trim();
    }

    /// <summary>System.Text.Json's message without the path and the position (the location states the position once, 1-based).</summary>
    private static string JsonMessage(string message)
    {
        foreach (string marker in new[] { " Path:", " LineNumber:" })
        {
            int at = message.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0)
                message = message[..at];
        }
        return message.Trim();
    }

    private static void Write(Utf8JsonWriter json, IConvNet model, Preprocessing? preprocessing, LabelColumn? label)
    {
        PatchGeometry geometry = model.Geometry;
        json.WriteStartObject();
        json.WriteString("format", Format);
        json.WriteNumber("version", Version);
        json.WriteStartObject("geometry");
        if (geometry.Layout == PatchLayout.General)
        {
            json.WriteNumber("d", geometry.InputSize);
            json.WriteStartArray("patches");
            for (int j = 0; j < geometry.PatchCount; j++)
            {
                json.WriteStartArray();
                foreach (int index in geometry.Patch(j))
                    json.WriteNumberValue(index);
                json.WriteEndArray();
            }
            json.WriteEndArray();
        }
        else
        {
            json.WriteString("spec", geometry.ToString());
        }
        json.WriteEndObject();
        json.WriteNumber("alpha", model.Activation.Alpha);
        WriteArray(json, "filter", model.Filter);
        WriteArray(json, "outputWeights", model.OutputWeights);
        if (preprocessing is not null)
        {
            json.WriteStartObject("preprocessing");
            WriteArray(json, "inputMean", preprocessing.InputMean);
            json.WriteNumber("inputScale", preprocessing.InputScale);
            json.WriteNumber("labelMean", preprocessing.LabelMean);
            json.WriteNumber("labelScale", preprocessing.LabelScale);
            if (preprocessing.IsWhitened)
                WriteArray(json, "whitening", preprocessing.Whitening);
            json.WriteEndObject();
        }
        if (label is not null)
        {
            // Optional and ignored by readers that predate it: the format stays version 1.
            json.WriteStartObject("label");
            if (label.Name is not null)
                json.WriteString("name", label.Name);
            json.WriteNumber("column", label.Index);
            json.WriteNumber("columns", label.Columns);
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    private static void WriteArray(Utf8JsonWriter json, string name, ReadOnlySpan<double> values)
    {
        json.WriteStartArray(name);
        foreach (double v in values)
            json.WriteNumberValue(v);
        json.WriteEndArray();
    }

    private static LoadedModel Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new FormatException("the top level must be a JSON object.");
        string format = Property(root, "format").GetString() ?? "";
        if (format != Format)
            throw new FormatException($"'format' is '{format}', expected '{Format}'.");
        int version = Property(root, "version").GetInt32();
        if (version != Version)
            throw new FormatException($"'version' is {version}; this library reads version {Version}.");
        JsonElement geometryElement = Property(root, "geometry");
        PatchGeometry geometry;
        if (geometryElement.TryGetProperty("spec", out JsonElement spec))
        {
            geometry = PatchGeometry.Parse(spec.GetString() ?? "");
        }
        else
        {
            int d = Property(geometryElement, "d").GetInt32();
            var patches = new List<int[]>();
            foreach (JsonElement patch in Property(geometryElement, "patches").EnumerateArray())
            {
                var indices = new int[patch.GetArrayLength()];
                int t = 0;
                foreach (JsonElement index in patch.EnumerateArray())
                    indices[t++] = index.GetInt32();
                patches.Add(indices);
            }
            geometry = PatchGeometry.FromPatches(d, patches);
        }
        double alpha = Property(root, "alpha").GetDouble();
        if (!(alpha >= 0.0 && alpha <= 1.0))
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"'alpha' is {alpha}; the activation slope must lie in [0, 1] (0 is ReLU, 1 is linear)."));
        Activation activation = Activation.Leaky(alpha);
        double[] filter = ReadArray(root, "filter");
        double[] outputWeights = ReadArray(root, "outputWeights");
        if (filter.Length != geometry.FilterSize)
            throw new FormatException($"'filter' has {filter.Length} entries but geometry {geometry} has r = {geometry.FilterSize}.");
        if (outputWeights.Length != geometry.PatchCount)
            throw new FormatException($"'outputWeights' has {outputWeights.Length} entries but geometry {geometry} has k = {geometry.PatchCount}.");
        Guard.AllFinite(filter);
        Guard.AllFinite(outputWeights);
        Preprocessing? preprocessing = null;
        if (root.TryGetProperty("preprocessing", out JsonElement pre))
        {
            double[] mean = ReadArray(pre, "inputMean");
            if (mean.Length != geometry.InputSize)
                throw new FormatException($"'preprocessing.inputMean' has {mean.Length} entries but geometry {geometry} has d = {geometry.InputSize}.");
            double[] whitening = pre.TryGetProperty("whitening", out _) ? ReadArray(pre, "whitening") : [];
            preprocessing = new Preprocessing(mean, Property(pre, "inputScale").GetDouble(), Property(pre, "labelMean").GetDouble(),
                Property(pre, "labelScale").GetDouble(), whitening);
        }
        LabelColumn? label = null;
        if (root.TryGetProperty("label", out JsonElement labelElement))
        {
            int columns = Property(labelElement, "columns").GetInt32(), column = Property(labelElement, "column").GetInt32();
            if (columns != geometry.InputSize + 1 || column < 0 || column >= columns)
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"'label' says column {column} of {columns}, but geometry {geometry} needs d + 1 = {geometry.InputSize + 1} columns with the label among them."));
            string? name = labelElement.TryGetProperty("name", out JsonElement nameElement) ? nameElement.GetString() : null;
            label = new LabelColumn(name, column, columns);
        }
        return new LoadedModel(new DynamicConvNet(geometry, activation, filter, outputWeights), preprocessing) { Label = label };
    }

    private static JsonElement Property(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out JsonElement value))
            throw new FormatException($"the property '{name}' is missing.");
        return value;
    }

    private static double[] ReadArray(JsonElement element, string name)
    {
        JsonElement array = Property(element, name);
        if (array.ValueKind != JsonValueKind.Array)
            throw new FormatException($"'{name}' must be an array of numbers.");
        var values = new double[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement v in array.EnumerateArray())
        {
            if (v.ValueKind != JsonValueKind.Number)
                throw new FormatException($"'{name}'[{i}] is not a number.");
            values[i++] = v.GetDouble();
        }
        return values;
    }
}
